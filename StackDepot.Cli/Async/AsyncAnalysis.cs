using System.Diagnostics;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Blocking;

namespace StackDepot.Cli.Async;

/// <summary>
/// Everything the async view needs from one stopped process or dump, read while the target is attached: the graph of
/// pending async work, what blocked threads wait for, and the thread pool. The logical stacks are walked from it
/// afterwards (<see cref="LogicalStacks"/>), without the target.
/// </summary>
internal sealed class AsyncAnalysis
{
    private AsyncAnalysis(AsyncGraph graph, ThreadWaits waits, ThreadPoolState? pool)
    {
        Graph = graph;
        Waits = waits;
        ThreadPool = pool;
    }

    public AsyncGraph Graph { get; }

    public ThreadWaits Waits { get; }

    public ThreadPoolState? ThreadPool { get; }

    /// <summary>Objects enumerated on the heap.</summary>
    public long HeapObjects { get; private init; }

    /// <summary>The heap's committed size.</summary>
    public ulong HeapBytes { get; private init; }

    /// <summary>Pending tasks and async-method boxes.</summary>
    public int PendingTasks { get; private init; }

    /// <summary>Objects, links or threads that could not be read (a damaged heap).</summary>
    public int Unreadable { get; private init; }

    /// <summary>Why the heap enumeration stopped early, or null.</summary>
    public string? StoppedEarly { get; private init; }

    /// <summary>How long the heap walk and the thread roots took (the target is stopped meanwhile when live).</summary>
    public TimeSpan Elapsed { get; private init; }

    /// <summary>Reads the async state of <paramref name="runtime"/>.</summary>
    /// <param name="runtime">A runtime whose heap is readable (<see cref="AsyncHeapWalker.HasReadableHeap"/>).</param>
    /// <param name="frames">Receives the frames of async methods and awaited things.</param>
    /// <param name="check">Called regularly; throws to stop (time budget, cancellation).</param>
    public static AsyncAnalysis Read(ClrRuntime runtime, AsyncFrameTable frames, Action check)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(check);
        var clock = Stopwatch.StartNew();
        var walker = new AsyncHeapWalker(runtime, frames);
        AsyncGraph graph = walker.Walk(check);
        ThreadWaits waits = ThreadWaits.Find(runtime, graph, walker.WaitEvents, check);
        return new AsyncAnalysis(graph, waits, ThreadPoolState.Read(runtime, walker.PoolObjects))
        {
            HeapObjects = walker.Objects,
            HeapBytes = AsyncHeapWalker.HeapBytes(runtime),
            PendingTasks = walker.PendingTasks,
            Unreadable = walker.Unreadable + waits.Unreadable,
            StoppedEarly = walker.StoppedEarly,
            Elapsed = clock.Elapsed,
        };
    }
}
