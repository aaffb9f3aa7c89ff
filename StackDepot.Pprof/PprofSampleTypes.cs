using StackDepot.Reporting;

namespace StackDepot.Pprof;

/// <summary>
/// Which of a report's value types a profile holds, under which pprof names, and its period: the one mapping between
/// <see cref="ReportValueType"/>s and pprof sample types, used by the writer and (backwards) by the reader.
/// </summary>
internal sealed class PprofSampleTypes
{
    /// <summary>The sample type of thread profiles: thread observations.</summary>
    internal static readonly ReportValueType Threads = ReportValueType.Threads;

    /// <summary>Go's heap profile sample types, in the order Go writes them.</summary>
    internal static readonly ReportValueType[] Heap =
    [
        ReportValueType.AllocatedObjects,
        ReportValueType.AllocatedBytes,
        ReportValueType.LiveObjects,
        ReportValueType.LiveBytes,
    ];

    private PprofSampleTypes(ReportValueType[] types, int[] sources, bool isThreadProfile, ReportValueType defaultType, ReportValueType periodType, long period)
    {
        Types = types;
        Sources = sources;
        IsThreadProfile = isThreadProfile;
        DefaultType = defaultType;
        PeriodType = periodType;
        Period = period;
    }

    /// <summary>The profile's sample types (pprof names).</summary>
    public ReportValueType[] Types { get; }

    /// <summary>For each sample type, the index of the report value it is taken from.</summary>
    public int[] Sources { get; }

    /// <summary>True for a profile of thread observations (one sample per thread and stack where known).</summary>
    public bool IsThreadProfile { get; }

    /// <summary>The sample type readers show first (the report's sort key when the profile has it).</summary>
    public ReportValueType DefaultType { get; }

    /// <summary>What the period counts.</summary>
    public ReportValueType PeriodType { get; }

    /// <summary>The period.</summary>
    public long Period { get; }

    /// <summary>The sample types of <paramref name="report"/>'s profile.</summary>
    public static PprofSampleTypes Of(StackReport report)
    {
        IReadOnlyList<ReportValueType> values = report.ValueTypes;
        var heapTypes = new List<ReportValueType>();
        var heapSources = new List<int>();
        foreach (ReportValueType heap in Heap)
        {
            int index = IndexOf(values, heap);
            if (index >= 0)
            {
                heapTypes.Add(heap);
                heapSources.Add(index);
            }
        }

        if (heapTypes.Count > 0)
        {
            ReportValueType first = heapTypes.Contains(values[0]) ? values[0] : heapTypes[0];
            return new PprofSampleTypes([.. heapTypes], [.. heapSources], false, first, report.PeriodType ?? ReportValueType.Space, report.Period);
        }

        if (IsThreadType(values[0]))
        {
            return new PprofSampleTypes([Threads], [0], true, Threads, report.PeriodType ?? Threads, report.PeriodType is null ? 1 : report.Period);
        }

        var types = new ReportValueType[values.Count];
        var sources = new int[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            types[i] = new ReportValueType(values[i].Name.Replace(' ', '_'), values[i].Unit.Replace(' ', '_'));
            sources[i] = i;
        }

        return new PprofSampleTypes(types, sources, false, types[0], report.PeriodType ?? types[0], report.PeriodType is null ? 1 : report.Period);
    }

    /// <summary>The report value type a pprof sample type stands for (the library's instance for well-known types).</summary>
    public static ReportValueType ToReport(string type, string unit)
    {
        var read = new ReportValueType(type, unit);
        foreach (ReportValueType known in (ReadOnlySpan<ReportValueType>)[Threads, .. Heap])
        {
            if (known == read)
            {
                return known;
            }
        }

        return read;
    }

    /// <summary>True for the value types of thread reports: <c>threads</c> (one snapshot) and <c>samples</c> (several).</summary>
    public static bool IsThreadType(ReportValueType type) => type == ReportValueType.Threads || type == ReportValueType.Samples;

    private static int IndexOf(IReadOnlyList<ReportValueType> values, ReportValueType type)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] == type)
            {
                return i;
            }
        }

        return -1;
    }
}
