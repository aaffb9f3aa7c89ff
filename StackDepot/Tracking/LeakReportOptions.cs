namespace StackDepot.Tracking;

/// <summary>What <see cref="LeakTracker.GetReport"/> includes.</summary>
public sealed class LeakReportOptions
{
    /// <summary>Which objects to count (default both leaked and outstanding).</summary>
    public LeakKinds Include { get; set; } = LeakKinds.All;

    /// <summary>Leave out stacks with fewer counted objects than this (default 1).</summary>
    public long MinCount { get; set; } = 1;

    /// <summary>Show at most this many stacks, the largest first (default 16, as the kernel's ref_tracker); 0 shows
    /// all. The rest are summed up as "...and N more stacks".</summary>
    public int MaxStacks { get; set; } = 16;

    /// <summary>Look up source files and lines for the frames (default false; opens the PDBs once).</summary>
    public bool IncludeSourceInfo { get; set; }

    /// <summary>The report title; null for a title with the tracker's name and totals.</summary>
    public string? Title { get; set; }

    /// <summary>The symbolizer to name frames with; null for <see cref="Capture.Symbolizer.Shared"/>.</summary>
    public Capture.Symbolizer? Symbolizer { get; set; }
}
