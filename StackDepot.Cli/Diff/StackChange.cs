using StackDepot.Reporting;

namespace StackDepot.Cli.Diff;

/// <summary>One stack of either capture with its values in both (BASE scaled by <see cref="StackDiff.BaseScale"/>).</summary>
/// <param name="Frames">The stack, innermost first (from NEW when it has the stack).</param>
/// <param name="Base">The values in BASE, one per compared value type, scaled when normalizing.</param>
/// <param name="New">The values in NEW, one per compared value type.</param>
internal sealed record StackChange(IReadOnlyList<ReportFrame> Frames, double[] Base, long[] New)
{
    /// <summary>NEW minus BASE in the first compared value type.</summary>
    public double Change => New[0] - Base[0];

    /// <summary>The change relative to BASE; null when the stack is not in BASE.</summary>
    public double? Relative => Base[0] != 0 ? Change / Base[0] : null;

    public ChangeKind Kind => (Base[0], New[0]) switch
    {
        (0, 0) => ChangeKind.Unchanged,
        (0, _) => ChangeKind.Appeared,
        (_, 0) => ChangeKind.Vanished,
        _ when Math.Round(Change) > 0 => ChangeKind.Grew,
        _ when Math.Round(Change) < 0 => ChangeKind.Shrank,
        _ => ChangeKind.Unchanged,
    };
}
