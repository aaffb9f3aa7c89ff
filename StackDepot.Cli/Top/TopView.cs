using StackDepot.Cli.Sampling;
using StackDepot.Reporting;

namespace StackDepot.Cli.Top;

/// <summary>What <c>top</c> shows at one refresh: the run's figures, the methods by own and total samples, and the
/// largest stacks, over every sample since the start.</summary>
internal sealed class TopView
{
    /// <summary>Samples counted (thread samples: one per thread per snapshot).</summary>
    public long Total { get; init; }

    /// <summary>Snapshots taken.</summary>
    public int Snapshots { get; init; }

    /// <summary>Time since sampling started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Snapshots per second achieved.</summary>
    public double Rate { get; init; }

    /// <summary>Median and worst stop per snapshot, and the part of the run the target was stopped.</summary>
    public (TimeSpan Median, TimeSpan Worst, double Fraction) Stopped { get; init; }

    /// <summary>Distinct threads seen.</summary>
    public int Threads { get; init; }

    /// <summary>The methods, most own samples first (then most total samples).</summary>
    public required IReadOnlyList<TopMethod> Methods { get; init; }

    /// <summary>The largest stacks.</summary>
    public required IReadOnlyList<TopStack> Stacks { get; init; }

    /// <summary>Warnings of the run so far (unreadable threads...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Computes the view from the stacks counted so far.</summary>
    /// <param name="builder">The run's counts.</param>
    /// <param name="stats">The run's figures.</param>
    /// <param name="rows">How many methods and stacks to keep.</param>
    /// <param name="notes">Warnings to show.</param>
    public static TopView From(StackReportBuilder builder, SampleRunStats stats, int rows, IReadOnlyList<string> notes)
    {
        StackReport report = builder.Build("top");
        var own = new Dictionary<string, long>(StringComparer.Ordinal);
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (StackReportEntry entry in report.Entries)
        {
            long samples = entry.Values[0];
            if (entry.Frames.Count == 0)
            {
                continue;
            }

            string leaf = entry.Frames[0].DisplayName;
            own[leaf] = own.GetValueOrDefault(leaf) + samples;
            seen.Clear();
            foreach (ReportFrame frame in entry.Frames)
            {
                if (seen.Add(frame.DisplayName))
                {
                    total[frame.DisplayName] = total.GetValueOrDefault(frame.DisplayName) + samples;
                }
            }
        }

        List<TopMethod> methods = total
            .Select(p => new TopMethod(p.Key, own.GetValueOrDefault(p.Key), p.Value))
            .OrderByDescending(m => m.Own).ThenByDescending(m => m.Total).ThenBy(m => m.Name, StringComparer.Ordinal)
            .Take(rows).ToList();
        List<TopStack> stacks = report.Entries.Take(rows)
            .Select(e => new TopStack(e.Values[0], e.ThreadIds.Count, e.Frames.Select(f => f.DisplayName).ToList())).ToList();
        return new TopView
        {
            Total = report.TotalOf(0),
            Snapshots = stats.Taken,
            Elapsed = stats.Elapsed,
            Rate = stats.AchievedRate,
            Stopped = (stats.FrozenMedian, stats.FrozenMax, stats.StoppedFraction),
            Threads = stats.Threads.Count,
            Methods = methods,
            Stacks = stacks,
            Notes = notes,
        };
    }
}
