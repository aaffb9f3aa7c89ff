namespace StackDepot.Reporting;

/// <summary>
/// A list of distinct stacks with values (thread counts, samples, bytes, objects), ready to be written by
/// <see cref="StackReportWriter"/> in any <see cref="ReportFormat"/>.
/// </summary>
public sealed record StackReport
{
    /// <summary>The report's title, printed first (for example <c>"Stacks of DemoWorkload (pid 4242)"</c>).</summary>
    public required string Title { get; init; }

    /// <summary>The kinds of values each entry carries; the first one is the sort key and the main figure.</summary>
    public required IReadOnlyList<ReportValueType> ValueTypes { get; init; }

    /// <summary>The stacks shown, sorted by their first value, largest first.</summary>
    public required IReadOnlyList<StackReportEntry> Entries { get; init; }

    /// <summary>
    /// Totals per value type over every stack, including those cut from <see cref="Entries"/>; percentages are
    /// relative to these. When empty (or shorter than <see cref="ValueTypes"/>), the sum over
    /// <see cref="Entries"/> is used.
    /// </summary>
    public long[] Totals { get; init; } = [];

    /// <summary>Stacks left out of <see cref="Entries"/> by a top-N or minimum-value cut.</summary>
    public int OmittedEntries { get; init; }

    /// <summary>
    /// The program that made the report and its version, for formats that record one (speedscope's <c>exporter</c>),
    /// for example <c>stackdepot 0.1.0</c>. Null names the library: <c>StackDepot</c> and its version.
    /// </summary>
    public string? Producer { get; init; }

    /// <summary>Header facts in display order (pid, process, samples, threads, distinct stacks...).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>When the capture began; null when unknown.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>How long the capture ran (from the start of the first snapshot to the end of the last, or from the
    /// start of recording to the report); null when unknown.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// What the sampling interval counts, for formats that record it (pprof's period type): for example
    /// <c>("space", "bytes")</c> for allocations sampled every <see cref="Period"/> bytes on average, or
    /// <see cref="ReportValueType.Threads"/> with a period of 1 for thread snapshots. Null when not given.
    /// </summary>
    public ReportValueType? PeriodType { get; init; }

    /// <summary>The mean sampling interval in units of <see cref="PeriodType"/> (0 when not given).</summary>
    public long Period { get; init; }

    /// <summary>Names of the threads in <see cref="StackReportEntry.ThreadIds"/>, where known (empty otherwise).</summary>
    public IReadOnlyDictionary<int, string> ThreadNames { get; init; } = new Dictionary<int, string>();

    /// <summary>The total of one value type: <see cref="Totals"/> when given, the sum over the entries otherwise.</summary>
    /// <param name="valueIndex">Index into <see cref="ValueTypes"/>.</param>
    /// <returns>The total used for percentages.</returns>
    public long TotalOf(int valueIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(valueIndex, ValueTypes.Count);
        if (valueIndex < Totals.Length)
        {
            return Totals[valueIndex];
        }

        long sum = 0;
        foreach (StackReportEntry entry in Entries)
        {
            sum += valueIndex < entry.Values.Length ? entry.Values[valueIndex] : 0;
        }

        return sum;
    }
}
