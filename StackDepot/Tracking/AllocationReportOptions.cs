using StackDepot.Capture;

namespace StackDepot.Tracking;

/// <summary>What <see cref="AllocationSampler.GetReport"/> includes.</summary>
public sealed class AllocationReportOptions
{
    /// <summary>Keep at most this many sites, the largest by estimated bytes (default 10); 0 keeps all.</summary>
    public int Top { get; set; } = 10;

    /// <summary>Leave out sites with fewer estimated bytes than this (default 0).</summary>
    public long MinEstimatedBytes { get; set; }

    /// <summary>Look up source files and lines for the frames (default false; opens the PDBs once).</summary>
    public bool IncludeSourceInfo { get; set; }

    /// <summary>The report title; null for "Allocation sites (sampler NAME)".</summary>
    public string? Title { get; set; }

    /// <summary>The symbolizer to name frames with; null for <see cref="Symbolizer.Shared"/>.</summary>
    public Symbolizer? Symbolizer { get; set; }
}
