namespace StackDepot.Reporting;

/// <summary>One distinct stack of a <see cref="StackReport"/> with its values.</summary>
public sealed record StackReportEntry
{
    /// <summary>The frames, innermost first (index 0 is the frame that was executing).</summary>
    public required IReadOnlyList<ReportFrame> Frames { get; init; }

    /// <summary>The values of this stack, one per <see cref="StackReport.ValueTypes"/> entry, in the same order.</summary>
    public required long[] Values { get; init; }

    /// <summary>Ids of the threads seen on this stack, ascending (empty when not applicable).</summary>
    public IReadOnlyList<int> ThreadIds { get; init; } = [];

    /// <summary>The threads of <see cref="ThreadIds"/> with their names and kinds, in the same order, when the producer
    /// knows them (empty otherwise).</summary>
    public IReadOnlyList<ReportThread> Threads { get; init; } = [];

    /// <summary>
    /// How much of the first value each thread of <see cref="ThreadIds"/> accounts for, in the same order (for example
    /// in how many snapshots the thread was seen on this stack); empty when not known.
    /// </summary>
    public IReadOnlyList<long> ThreadValues { get; init; } = [];

    /// <summary>
    /// An optional heading for this entry. When set, the text writer prints it as the entry's heading line instead
    /// of the values, for example <c>"12 objects (of 40 tracked) created at:"</c>.
    /// </summary>
    public string? Caption { get; init; }

    /// <summary>The depot handle of the stack, or <see cref="StackHandle.None"/> when it has none.</summary>
    public StackHandle Handle { get; init; }
}
