using System.Globalization;
using StackDepot.Reporting;

namespace StackDepot.Cli.Diff;

/// <summary>
/// Two captures of the same process compared stack by stack: a stack is the same in both when its frames name the same
/// methods in the same modules (addresses differ between runs). Values are compared in every value type the two have in
/// common, NEW's first (its sort key) first; with normalization BASE is scaled so that its total equals NEW's.
/// </summary>
internal sealed class StackDiff
{
    private StackDiff(StackReport baseReport, StackReport newReport, ReportValueType[] types, int[] baseIndex, double scale, List<StackChange> changes)
    {
        BaseReport = baseReport;
        NewReport = newReport;
        ValueTypes = types;
        BaseIndex = baseIndex;
        BaseScale = scale;
        Changes = changes;
    }

    public StackReport BaseReport { get; }

    public StackReport NewReport { get; }

    /// <summary>The value types compared (NEW's names), NEW's first value type first.</summary>
    public ReportValueType[] ValueTypes { get; }

    /// <summary>For each compared value type, its index in BASE.</summary>
    public int[] BaseIndex { get; }

    /// <summary>The factor BASE values were multiplied by (1 unless normalizing).</summary>
    public double BaseScale { get; }

    /// <summary>Every stack of either capture, the largest absolute change first.</summary>
    public List<StackChange> Changes { get; }

    /// <summary>BASE's total of the first compared value type, scaled.</summary>
    public double BaseTotal => BaseReport.TotalOf(BaseIndex[0]) * BaseScale;

    /// <summary>NEW's total of the first compared value type.</summary>
    public long NewTotal => NewReport.TotalOf(0);

    /// <summary>Compares two captures.</summary>
    /// <exception cref="CliException"><see cref="ExitCode.IncomparableCaptures"/> when BASE lacks NEW's first value type.</exception>
    public static StackDiff Compare(StackReport baseReport, StackReport newReport, bool normalize)
    {
        var types = new List<ReportValueType>();
        var baseIndex = new List<int>();
        var newIndex = new List<int>();
        for (int i = 0; i < newReport.ValueTypes.Count; i++)
        {
            int match = IndexOfSameKind(baseReport.ValueTypes, newReport.ValueTypes[i]);
            if (match >= 0)
            {
                types.Add(newReport.ValueTypes[i]);
                baseIndex.Add(match);
                newIndex.Add(i);
            }
            else if (i == 0)
            {
                throw new CliException(ExitCode.IncomparableCaptures,
                    $"the captures hold different kinds of values: BASE has {Describe(baseReport)}, NEW has {Describe(newReport)}; compare two captures of the same kind (stacks with stacks, alloc with alloc)");
            }
        }

        long baseTotal = baseReport.TotalOf(baseIndex[0]);
        double scale = normalize && baseTotal != 0 ? (double)newReport.TotalOf(0) / baseTotal : 1.0;

        var byStack = new Dictionary<string, (IReadOnlyList<ReportFrame> Frames, double[] Base, long[] New)>(StringComparer.Ordinal);
        var order = new List<string>();
        void Add(StackReportEntry entry, bool isNew)
        {
            IReadOnlyList<ReportFrame> frames = entry.Frames.Count > 0 ? entry.Frames : [ReportFrame.NoFrames];
            string key = Key(frames);
            if (!byStack.TryGetValue(key, out var values))
            {
                values = (frames, new double[types.Count], new long[types.Count]);
                byStack.Add(key, values);
                order.Add(key);
            }

            for (int t = 0; t < types.Count; t++)
            {
                if (isNew)
                {
                    values.New[t] += entry.Values[newIndex[t]];
                }
                else
                {
                    values.Base[t] += entry.Values[baseIndex[t]] * scale;
                }
            }
        }

        foreach (StackReportEntry entry in newReport.Entries)
        {
            Add(entry, isNew: true);
        }

        foreach (StackReportEntry entry in baseReport.Entries)
        {
            Add(entry, isNew: false);
        }

        List<StackChange> changes = [.. order.Select(key => byStack[key]).Select(v => new StackChange(v.Frames, v.Base, v.New))];
        changes.Sort(static (a, b) =>
        {
            int byChange = Math.Abs(b.Change).CompareTo(Math.Abs(a.Change));
            return byChange != 0 ? byChange : b.New[0].CompareTo(a.New[0]);
        });
        return new StackDiff(baseReport, newReport, [.. types], [.. baseIndex], scale, changes);
    }

    /// <summary>NEW minus BASE as a report (values may be negative), for the report formats: what
    /// <c>go tool pprof -diff_base BASE NEW</c> shows.</summary>
    public StackReport ToDifferenceReport(string baseName, string newName)
    {
        var entries = new List<StackReportEntry>(Changes.Count);
        foreach (StackChange change in Changes)
        {
            var values = new long[ValueTypes.Length];
            for (int t = 0; t < values.Length; t++)
            {
                values[t] = change.New[t] - (long)Math.Round(change.Base[t]);
            }

            if (values.Any(v => v != 0))
            {
                entries.Add(new StackReportEntry { Frames = change.Frames, Values = values });
            }
        }

        var properties = new Dictionary<string, string>
        {
            ["base"] = baseName + " (" + BaseReport.Title + ")",
            ["new"] = newName + " (" + NewReport.Title + ")",
            ["normalized"] = BaseScale == 1.0 ? "no" : string.Create(CultureInfo.InvariantCulture, $"yes: BASE values times {BaseScale:0.####}"),
        };
        return new StackReport
        {
            Title = $"{newName} minus {baseName}",
            ValueTypes = ValueTypes,
            Entries = entries,
            Properties = properties,
            StartTime = NewReport.StartTime,
            Duration = NewReport.Duration,
            PeriodType = NewReport.PeriodType,
            Period = NewReport.Period,
        };
    }

    /// <summary>The same kind of value: the same name and unit, a thread snapshot's <c>threads</c> matching several
    /// snapshots' <c>samples</c>.</summary>
    private static int IndexOfSameKind(IReadOnlyList<ReportValueType> types, ReportValueType type)
    {
        for (int i = 0; i < types.Count; i++)
        {
            if (Canonical(types[i]) == Canonical(type))
            {
                return i;
            }
        }

        return -1;
    }

    private static ReportValueType Canonical(ReportValueType type) => type == ReportValueType.Samples ? ReportValueType.Threads : type;

    private static string Describe(StackReport report) =>
        string.Join(", ", report.ValueTypes.Select(t => t.Unit == "count" ? t.Name : $"{t.Name} ({t.Unit})"));

    /// <summary>The identity of a stack across captures: module and method of each frame.</summary>
    private static string Key(IReadOnlyList<ReportFrame> frames) =>
        string.Join('\n', frames.Select(f => f.Module + "!" + f.Method));
}
