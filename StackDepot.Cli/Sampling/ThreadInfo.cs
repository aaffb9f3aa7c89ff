namespace StackDepot.Cli.Sampling;

/// <summary>A thread's name and kind, as reports show them.</summary>
/// <param name="ThreadId">The OS thread id.</param>
/// <param name="Name">The managed <c>Thread.Name</c>, else the OS name (<c>/proc/PID/task/TID/comm</c>), else <c>thread TID</c>.</param>
/// <param name="Kind">What the thread is for.</param>
internal sealed record ThreadInfo(int ThreadId, string Name, ThreadKind Kind)
{
    /// <summary>The kind in words: <c>thread pool worker</c>, <c>finalizer</c>, <c>other</c>.</summary>
    public string KindText => TextOf(Kind);

    /// <summary><c>name</c>, or <c>name (kind)</c> for a kind other than <see cref="ThreadKind.Other"/>.</summary>
    public string Label => Kind == ThreadKind.Other ? Name : $"{Name} ({KindText})";

    /// <summary>A kind in words.</summary>
    public static string TextOf(ThreadKind kind) => kind switch
    {
        ThreadKind.Main => "main",
        ThreadKind.ThreadPoolWorker => "thread pool worker",
        ThreadKind.ThreadPoolIo => "thread pool I/O",
        ThreadKind.Timer => "timer",
        ThreadKind.Finalizer => "finalizer",
        ThreadKind.Gc => "gc",
        _ => "other",
    };
}
