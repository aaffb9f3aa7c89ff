using StackDepot.Cli.Blocking;

namespace StackDepot.Cli.Sampling;

/// <summary>The stacks of every live managed thread at one moment.</summary>
internal sealed class Snapshot
{
    public List<ThreadStack> Threads { get; } = [];

    /// <summary>Threads whose stack could not be read in this snapshot, and why.</summary>
    public List<UnreadableThread> Unreadable { get; } = [];

    /// <summary>Stacks cut at <c>--max-frames</c>.</summary>
    public int Truncated { get; set; }

    /// <summary>Walks stopped because the stack pointer stopped moving (corrupt stack or unwinder loop).</summary>
    public int StoppedWalks { get; set; }

    /// <summary>Threads whose stack was unchanged since the last snapshot, so that its last walk was reused.</summary>
    public int Reused { get; set; }

    /// <summary>Threads waiting to enter a lock another thread holds.</summary>
    public int LockBlockedThreads { get; set; }

    /// <summary>The thread pool at this moment, or null when it could not be read.</summary>
    public ThreadPoolState? ThreadPool { get; set; }

    /// <summary>How long the target was stopped (attach to detach); zero for dumps.</summary>
    public TimeSpan Frozen { get; set; }

    /// <summary>Adds a thread's stack and counts its cut or stopped walk.</summary>
    public void Add(ThreadStack stack)
    {
        Threads.Add(stack);
        Truncated += stack.Truncated ? 1 : 0;
        StoppedWalks += stack.WalkStopped ? 1 : 0;
    }
}
