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

    /// <summary>
    /// Keep the runtime's async and task plumbing in the creation stacks (default false): <c>AsyncMethodBuilderCore.Start</c>,
    /// <c>ExecutionContext.RunInternal</c>, the state machine boxes and the like, and an async method's stub beside
    /// its state machine. Left out, an async call chain reads as it was written, caller above callee, as in exception
    /// stack traces and the CLI's reports (whose <c>--runtime-frames</c> is this option).
    /// </summary>
    public bool RuntimeFrames { get; set; }

    /// <summary>A name for this tracker, used as the <c>tracker</c> tag of its metrics and in report titles.</summary>
    public string Name { get; set; } = "default";
}
