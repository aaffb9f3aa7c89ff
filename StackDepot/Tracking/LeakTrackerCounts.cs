namespace StackDepot.Tracking;

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
