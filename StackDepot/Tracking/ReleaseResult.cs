namespace StackDepot.Tracking;

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
