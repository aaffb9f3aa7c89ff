namespace StackDepot.Tracking;

/// <summary>Options of a <see cref="LeakTracker"/>. Every property has a sensible default.</summary>
public sealed class LeakTrackerOptions
{
    /// <summary>Frames kept per creation stack (default 64); at most the depot's <see cref="Depot.MaxFrames"/>.</summary>
    public int MaxFrames { get; set; } = 64;

    /// <summary>
    /// Frames to leave out above the method that calls <see cref="LeakTracker.Track"/> (default 0). Prefer marking a
    /// shared tracking helper <see cref="System.Diagnostics.StackTraceHiddenAttribute"/>: leading hidden frames are
    /// always left out, and unlike a count this stays right when the JIT inlines the helper.
    /// </summary>
    public int SkipFrames { get; set; }

    /// <summary>A name for this tracker, used as the <c>tracker</c> tag of its metrics and in report titles.</summary>
    public string Name { get; set; } = "default";
}

/// <summary>The answer of <see cref="LeakTracker.Release"/>.</summary>
public enum ReleaseResult
{
    /// <summary>The object was tracked and outstanding; it is now released and its stack reference dropped.</summary>
    Released = 0,

    /// <summary>The object is not tracked by this tracker (never tracked, or the tracker was disposed). Nothing
    /// changed; counted in <see cref="LeakTrackerCounts.UntrackedReleases"/>.</summary>
    NotTracked = 1,

    /// <summary>The object was released before (a double dispose). Nothing changed; counted in
    /// <see cref="LeakTrackerCounts.DoubleReleases"/>.</summary>
    AlreadyReleased = 2,
}

/// <summary>Which objects a leak report lists.</summary>
[Flags]
public enum LeakKinds
{
    /// <summary>Objects the garbage collector reclaimed without a <see cref="LeakTracker.Release"/>: definite
    /// leaks (their dispose path never ran).</summary>
    Leaked = 1,

    /// <summary>Objects still alive and not released: in use, or leaked and not yet collected.</summary>
    Outstanding = 2,

    /// <summary>Both.</summary>
    All = Leaked | Outstanding,
}

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

/// <summary>A tracker's counters, exact once the threads using it are quiet.</summary>
public readonly record struct LeakTrackerCounts
{
    /// <summary>Calls to <see cref="LeakTracker.Track"/> that started tracking an object.</summary>
    public long Tracked { get; init; }

    /// <summary>Tracked objects released with <see cref="LeakTracker.Release"/>.</summary>
    public long Released { get; init; }

    /// <summary>Tracked objects neither released nor collected.</summary>
    public long Outstanding { get; init; }

    /// <summary>Tracked objects collected by the GC without a release.</summary>
    public long Leaked { get; init; }

    /// <summary>Releases of objects the tracker did not track.</summary>
    public long UntrackedReleases { get; init; }

    /// <summary>Releases of objects already released.</summary>
    public long DoubleReleases { get; init; }
}

/// <summary>The objects of one creation stack.</summary>
/// <param name="Stack">The creation stack in the tracker's depot; <see cref="StackHandle.None"/> for objects whose
/// stack could not be stored (depot full). Valid while the tracker lives.</param>
/// <param name="Tracked">Objects tracked from this stack.</param>
/// <param name="Released">Of those, released.</param>
/// <param name="Outstanding">Of those, alive and not released.</param>
/// <param name="Leaked">Of those, collected without a release.</param>
public sealed record LeakSite(StackHandle Stack, long Tracked, long Released, long Outstanding, long Leaked);
