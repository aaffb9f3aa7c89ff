namespace StackDepot.Cli.Async;

/// <summary>
/// Turns an <see cref="AsyncGraph"/> into logical stacks: from every innermost node (one that awaits nothing) outwards
/// along the continuations to each root, innermost frame first. A node with several awaiters (one task awaited by many
/// methods) starts one chain per awaiter; a node awaited through several inner nodes (<c>Task.WhenAll</c>) is on one
/// chain per inner node. Every chain ends: at a root, a blocked thread, a callback, or a marker (a cycle, a broken
/// link, the frame limit). Never recursive, never unbounded: the walk stops after <c>maxChains</c> chains.
/// </summary>
internal sealed class LogicalChainWalker
{
    /// <summary>How many steps pass between two calls of the budget check.</summary>
    private const int CheckEvery = 1024;

    private readonly AsyncFrameTable _frames;
    private readonly int _maxFrames;
    private readonly long _maxChains;
    private readonly AsyncWalkProtections _disabled;
    private readonly List<ulong> _path = [];
    private readonly List<(AsyncNode Node, int Next)> _stack = [];
    private readonly HashSet<ulong> _onPath = [];
    private readonly HashSet<ulong> _reached = [];
    private readonly Queue<AsyncNode> _queue = new();
    private int _asyncMethods;
    private long _steps;

    /// <param name="frames">Supplies the marker frames.</param>
    /// <param name="maxFrames">The most frames a chain may have, markers included (at least 1).</param>
    /// <param name="maxChains">The most chains one walk hands out.</param>
    /// <param name="disabled">Guards switched off (tests only).</param>
    public LogicalChainWalker(AsyncFrameTable frames, int maxFrames, long maxChains, AsyncWalkProtections disabled = AsyncWalkProtections.None)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChains, 1);
        _frames = frames;
        _maxFrames = maxFrames;
        _maxChains = maxChains;
        _disabled = disabled;
    }

    /// <summary>Walks every chain of <paramref name="graph"/> into <paramref name="sink"/>.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="sink">Receives each chain.</param>
    /// <param name="check">Called every few hundred steps; throws to stop the walk (time budget, cancellation).</param>
    public ChainWalkStats Walk(AsyncGraph graph, LogicalChainSink sink, Action? check = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(sink);
        var stats = new ChainWalkStats();
        _reached.Clear();
        foreach (AsyncNode node in graph.Nodes.Values)
        {
            if (node.Awaited == 0)
            {
                stats.Leaves++;
                MarkReachable(node, graph);
                if (!WalkFrom(node, graph, sink, stats, check))
                {
                    return stats;
                }
            }
        }

        // Nodes no innermost node reaches: each of them awaits another, so they hang on a cycle (a corrupt heap).
        // Walk each such part once, from its first node.
        foreach (AsyncNode node in graph.Nodes.Values)
        {
            if (!_reached.Contains(node.Address))
            {
                MarkReachable(node, graph);
                if (!WalkFrom(node, graph, sink, stats, check))
                {
                    return stats;
                }
            }
        }

        return stats;
    }

    /// <summary>Adds every node reachable from <paramref name="start"/> to the reached set (breadth-first, each once).</summary>
    private void MarkReachable(AsyncNode start, AsyncGraph graph)
    {
        if (!_reached.Add(start.Address))
        {
            return;
        }

        _queue.Clear();
        _queue.Enqueue(start);
        while (_queue.TryDequeue(out AsyncNode? node))
        {
            foreach (AsyncLink link in node.Continuations)
            {
                if (link.Kind == AsyncLinkKind.Node && graph.TryGet(link.Address, out AsyncNode? next) && _reached.Add(next.Address))
                {
                    _queue.Enqueue(next);
                }
            }
        }
    }

    /// <summary>Depth-first from <paramref name="start"/>; false when the chain budget ran out.</summary>
    private bool WalkFrom(AsyncNode start, AsyncGraph graph, LogicalChainSink sink, ChainWalkStats stats, Action? check)
    {
        _path.Clear();
        _stack.Clear();
        _onPath.Clear();
        _asyncMethods = 0;
        Enter(start);
        while (_stack.Count > 0)
        {
            if (++_steps % CheckEvery == 0)
            {
                check?.Invoke();
            }

            if (stats.Chains >= _maxChains && (_disabled & AsyncWalkProtections.ChainBudget) == 0)
            {
                stats.Cut = true;
                return false;
            }

            (AsyncNode node, int next) = _stack[^1];
            if (next == 0 && node.Continuations.Count == 0)
            {
                Emit(sink, stats, ChainEnd.Root, node, 0, 0);
                Leave();
                continue;
            }

            if (next >= node.Continuations.Count)
            {
                Leave();
                continue;
            }

            _stack[^1] = (node, next + 1);
            AsyncLink link = node.Continuations[next];
            switch (link.Kind)
            {
                case AsyncLinkKind.Node when !graph.Nodes.ContainsKey(link.Address):
                    stats.Broken++;
                    Emit(sink, stats, ChainEnd.Broken, node, 0, _frames.Broken);
                    break;
                case AsyncLinkKind.Node when _onPath.Contains(link.Address) && (_disabled & AsyncWalkProtections.CycleCheck) == 0:
                    stats.Cycles++;
                    Emit(sink, stats, ChainEnd.Cycle, node, 0, _frames.Cycle);
                    break;
                case AsyncLinkKind.Node when _path.Count >= _maxFrames - 1:
                    stats.Truncated++;
                    Emit(sink, stats, ChainEnd.Truncated, node, 0, _frames.Truncated);
                    break;
                case AsyncLinkKind.Node:
                    Enter(graph.Nodes[link.Address]);
                    break;
                case AsyncLinkKind.BlockingWait:
                    Emit(sink, stats, ChainEnd.BlockingWait, node, link.Address, 0);
                    break;
                case AsyncLinkKind.Callback:
                    Emit(sink, stats, ChainEnd.Callback, node, 0, link.FrameId);
                    break;
                default:
                    stats.Broken++;
                    Emit(sink, stats, ChainEnd.Broken, node, 0, _frames.Broken);
                    break;
            }
        }

        return true;
    }

    private void Enter(AsyncNode node)
    {
        _stack.Add((node, 0));
        _path.Add(node.FrameId);
        _onPath.Add(node.Address);
        _asyncMethods += node.IsAsyncMethod ? 1 : 0;
    }

    private void Leave()
    {
        AsyncNode node = _stack[^1].Node;
        _stack.RemoveAt(_stack.Count - 1);
        _path.RemoveAt(_path.Count - 1);
        _onPath.Remove(node.Address);
        _asyncMethods -= node.IsAsyncMethod ? 1 : 0;
    }

    /// <summary>Hands the current path (plus <paramref name="lastFrame"/> when not 0 and there is room) to the sink.</summary>
    private void Emit(LogicalChainSink sink, ChainWalkStats stats, ChainEnd end, AsyncNode outermost, ulong waitEvent, ulong lastFrame)
    {
        if (lastFrame != 0 && _path.Count < _maxFrames)
        {
            _path.Add(lastFrame);
            sink(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_path), new LogicalChain(end, outermost.Address, waitEvent, _asyncMethods));
            _path.RemoveAt(_path.Count - 1);
        }
        else
        {
            sink(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_path), new LogicalChain(end, outermost.Address, waitEvent, _asyncMethods));
        }

        stats.Chains++;
    }
}
