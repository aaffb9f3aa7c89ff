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
