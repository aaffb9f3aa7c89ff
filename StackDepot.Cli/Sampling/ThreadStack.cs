namespace StackDepot.Cli.Sampling;

/// <summary>One thread's stack in one snapshot: frame ids, innermost first.</summary>
/// <param name="ThreadId">The OS thread id.</param>
/// <param name="Frames">Frame ids, innermost first; empty for a thread without managed frames.</param>
internal readonly record struct ThreadStack(int ThreadId, ulong[] Frames)
{
    /// <summary>What the runtime says the thread is for.</summary>
    public ThreadKind Kind { get; init; }

    /// <summary>The runtime's <c>Thread</c> object of the thread; 0 when unknown.</summary>
    public ulong RuntimeThread { get; init; }

    /// <summary>True when the stack was cut at the frame limit.</summary>
    public bool Truncated { get; init; }

    /// <summary>True when the walk was stopped because the stack pointer stopped moving.</summary>
    public bool WalkStopped { get; init; }
}
