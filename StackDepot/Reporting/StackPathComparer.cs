namespace StackDepot.Reporting;

/// <summary>
/// Orders report entries by their frames from the root (the frames' display names, ordinal), a path before its
/// extensions. Flame graph viewers that draw samples side by side in file order (speedscope's "Time Order" view, for
/// speedscope, folded and pprof files alike) then show each root and each shared prefix once, and it is the order the
/// stackcollapse scripts write folded stacks in.
/// </summary>
public sealed class StackPathComparer : IComparer<StackReportEntry>
{
    private StackPathComparer()
    {
    }

    /// <summary>The comparer.</summary>
    public static StackPathComparer Instance { get; } = new();

    /// <inheritdoc/>
    public int Compare(StackReportEntry? x, StackReportEntry? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        IReadOnlyList<ReportFrame> a = ReportFormatting.FramesOrPlaceholder(x);
        IReadOnlyList<ReportFrame> b = ReportFormatting.FramesOrPlaceholder(y);
        for (int i = 1; i <= Math.Min(a.Count, b.Count); i++)
        {
            int byName = string.CompareOrdinal(a[^i].DisplayName, b[^i].DisplayName);
            if (byName != 0)
            {
                return byName;
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}
