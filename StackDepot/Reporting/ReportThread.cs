namespace StackDepot.Reporting;

/// <summary>A thread seen on a reported stack, with its name and kind.</summary>
/// <param name="Id">The thread id (an OS thread id for the CLI).</param>
/// <param name="Name">The thread's name (for the CLI: the managed <c>Thread.Name</c>, else the OS thread name).</param>
/// <param name="Kind">What the thread is for, in words (<c>thread pool worker</c>, <c>finalizer</c>, <c>other</c>...).</param>
public sealed record ReportThread(int Id, string Name, string Kind)
{
    /// <summary>The kind of a thread with nothing particular about it.</summary>
    public const string OtherKind = "other";

    /// <summary><c>Name</c>, or <c>Name (kind)</c> when the kind is not <see cref="OtherKind"/>.</summary>
    public string Label => Kind == OtherKind ? Name : Name + " (" + Kind + ")";
}
