using System.Diagnostics;
using StackDepot.Reporting;

namespace StackDepot.Cli.Async;

/// <summary>
/// Saves the logical stacks of an <see cref="AsyncAnalysis"/> in a report's depot and counts them: one chain per
/// pending operation, innermost awaited thing first, out to its root. A chain a thread waits on synchronously is
/// joined to that thread: alone it ends with the blocking-wait marker and carries the thread's id; given the
/// threads' stacks, the thread's own stack follows the marker (sync-over-async as one stack).
/// </summary>
internal sealed class LogicalStacks
{
    private readonly List<ulong> _buffer = [];

    private LogicalStacks()
    {
    }

    /// <summary>Chains added to the report.</summary>
    public long Added { get; private set; }

    /// <summary>Chains left out because no async method is on them (a task nobody awaits from an async method).</summary>
    public long WithoutAsyncMethods { get; private set; }

    /// <summary>Threads joined to the chain they block on.</summary>
    public HashSet<int> JoinedThreads { get; } = [];

    /// <summary>The chain walk's own figures (cycles, broken links, truncation, cut by the budget).</summary>
    public ChainWalkStats Walk { get; private set; } = new();

    /// <summary>How long walking and saving the chains took.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Walks every chain of <paramref name="analysis"/> into <paramref name="builder"/> (one count each).</summary>
    /// <param name="builder">The report; its first value type is counted.</param>
    /// <param name="analysis">The async state read from the target.</param>
    /// <param name="frames">The table that named the analysis's frames.</param>
    /// <param name="maxFrames">The most frames of one saved stack (the depot's limit).</param>
    /// <param name="maxChains">The most chains walked.</param>
    /// <param name="threadStacks">Thread stacks by OS thread id to join to the chains they wait on, or null to add
    /// only the logical stacks.</param>
    /// <param name="check">Called regularly; throws to stop.</param>
    public static LogicalStacks AddTo(StackReportBuilder builder, AsyncAnalysis analysis, AsyncFrameTable frames, int maxFrames, long maxChains,
        IReadOnlyDictionary<int, ulong[]>? threadStacks = null, Action? check = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(frames);
        var clock = Stopwatch.StartNew();
        var stacks = new LogicalStacks();

        // Which thread blocks on which chain end: by its wait event, or (still spinning) by the task alone.
        var byEvent = new Dictionary<ulong, int>();
        var byTask = new Dictionary<ulong, List<int>>();
        foreach ((int thread, (ulong task, ulong waitEvent)) in analysis.Waits.TaskWaits)
        {
            if (waitEvent != 0)
            {
                byEvent[waitEvent] = thread;
            }
            else
            {
                (byTask.TryGetValue(task, out List<int>? threads) ? threads : byTask[task] = []).Add(thread);
            }
        }

        var walker = new LogicalChainWalker(frames, maxFrames, maxChains);
        stacks.Walk = walker.Walk(analysis.Graph, (ReadOnlySpan<ulong> chainFrames, in LogicalChain chain) =>
        {
            if (chain.End == ChainEnd.BlockingWait)
            {
                stacks.Add(builder, chainFrames, frames, maxFrames, byEvent.TryGetValue(chain.WaitEvent, out int thread) ? thread : StackReportBuilder.NoThread, threadStacks);
            }
            else if (chain.End == ChainEnd.Root && byTask.TryGetValue(chain.Outermost, out List<int>? threads))
            {
                foreach (int waiting in threads)
                {
                    stacks.Add(builder, chainFrames, frames, maxFrames, waiting, threadStacks);
                }
            }
            else if (chain.AsyncMethods > 0)
            {
                builder.Add(chainFrames, StackReportBuilder.NoThread);
                stacks.Added++;
            }
            else
            {
                stacks.WithoutAsyncMethods++;
            }
        }, check);
        stacks.Elapsed = clock.Elapsed;
        return stacks;
    }

    /// <summary>A chain a thread blocks on: the chain, the marker, then (when given) the thread's stack.</summary>
    private void Add(StackReportBuilder builder, ReadOnlySpan<ulong> chainFrames, AsyncFrameTable frames, int maxFrames, int thread,
        IReadOnlyDictionary<int, ulong[]>? threadStacks)
    {
        _buffer.Clear();
        _buffer.AddRange(chainFrames);
        if (_buffer.Count < maxFrames)
        {
            _buffer.Add(frames.BlockingWait);
        }

        if (thread != StackReportBuilder.NoThread && threadStacks is not null && threadStacks.TryGetValue(thread, out ulong[]? stack))
        {
            _buffer.AddRange(stack.AsSpan(0, Math.Min(stack.Length, maxFrames - _buffer.Count)));
            JoinedThreads.Add(thread);
        }

        builder.Add(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer), thread);
        Added++;
    }
}
