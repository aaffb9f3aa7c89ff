using StackDepot.Cli.Async;

namespace StackDepot.Cli.Tests.Async;

/// <summary>The chain walk on graphs built by hand: shapes a heap can have, healthy and damaged.</summary>
public sealed class LogicalChainWalkerTests
{
    private readonly AsyncFrameTable _frames = new();
    private readonly AsyncGraph _graph = new();

    [Fact]
    public void A_chain_runs_from_the_innermost_awaited_thing_out_to_its_root()
    {
        AsyncNode semaphore = Node(0x100, "[awaiting SemaphoreSlim.WaitAsync]");
        AsyncNode inner = Method(0x200, "Inner");
        AsyncNode outer = Method(0x300, "Outer");
        _graph.Link(semaphore, inner);
        _graph.Link(inner, outer);

        List<(string[] Frames, LogicalChain Chain)> chains = Walk(out ChainWalkStats stats);

        (string[] frames, LogicalChain chain) = Assert.Single(chains);
        Assert.Equal(["[awaiting SemaphoreSlim.WaitAsync]", "Inner", "Outer"], frames);
        Assert.Equal(ChainEnd.Root, chain.End);
        Assert.Equal(0x300ul, chain.Outermost);
        Assert.Equal(2, chain.AsyncMethods);
        Assert.Equal(1, stats.Leaves);
        Assert.False(stats.Cut);
    }

    [Fact]
    public void One_task_awaited_by_three_methods_gives_three_chains()
    {
        AsyncNode shared = Node(0x100, "[awaiting TaskCompletionSource]");
        foreach (ulong a in new ulong[] { 0x200, 0x300, 0x400 })
        {
            _graph.Link(shared, Method(a, "Reader"));
        }

        List<(string[] Frames, LogicalChain Chain)> chains = Walk(out _);

        Assert.Equal(3, chains.Count);
        Assert.All(chains, c => Assert.Equal(["[awaiting TaskCompletionSource]", "Reader"], c.Frames));
        Assert.Equal(new ulong[] { 0x200, 0x300, 0x400 }, chains.Select(c => c.Chain.Outermost).Order());
    }

    [Fact]
    public void WhenAll_of_two_chains_is_on_both_of_them()
    {
        AsyncNode left = Node(0x100, "[awaiting Task.Delay]");
        AsyncNode right = Node(0x110, "[awaiting SemaphoreSlim.WaitAsync]");
        AsyncNode whenAll = Node(0x200, "[Task.WhenAll]");
        AsyncNode batch = Method(0x300, "Batch");
        _graph.Link(left, whenAll);
        _graph.Link(right, whenAll);
        _graph.Link(whenAll, batch);

        List<(string[] Frames, LogicalChain Chain)> chains = Walk(out ChainWalkStats stats);

        Assert.Equal(2, stats.Leaves);
        Assert.Equal(
            [["[awaiting Task.Delay]", "[Task.WhenAll]", "Batch"], ["[awaiting SemaphoreSlim.WaitAsync]", "[Task.WhenAll]", "Batch"]],
            chains.Select(c => c.Frames));
    }

    [Fact]
    public void A_blocking_wait_ends_the_chain_and_names_the_wait_event()
    {
        AsyncNode tcs = Node(0x100, "[awaiting TaskCompletionSource]");
        AsyncNode load = Method(0x200, "Load");
        _graph.Link(tcs, load);
        _graph.AddEnd(load, new AsyncLink(AsyncLinkKind.BlockingWait, 0x900));

        (string[] frames, LogicalChain chain) = Assert.Single(Walk(out _));

        Assert.Equal(["[awaiting TaskCompletionSource]", "Load"], frames);
        Assert.Equal(ChainEnd.BlockingWait, chain.End);
        Assert.Equal(0x900ul, chain.WaitEvent);
        Assert.Equal(0x200ul, chain.Outermost);
    }

    [Fact]
    public void A_callback_continuation_ends_the_chain_with_its_name()
    {
        AsyncNode delay = Node(0x100, "[awaiting Task.Delay]");
        AsyncNode poll = Method(0x200, "Poll");
        _graph.Link(delay, poll);
        _graph.AddEnd(poll, new AsyncLink(AsyncLinkKind.Callback, 0x500, _frames.Intern("[continues in App.OnDone()]", null)));

        (string[] frames, LogicalChain chain) = Assert.Single(Walk(out _));

        Assert.Equal(["[awaiting Task.Delay]", "Poll", "[continues in App.OnDone()]"], frames);
        Assert.Equal(ChainEnd.Callback, chain.End);
    }

    [Fact]
    public void A_cycle_entered_from_a_leaf_ends_with_the_cycle_marker()
    {
        AsyncNode leaf = Node(0x100, "[awaiting Task.Delay]");
        AsyncNode a = Method(0x200, "A");
        AsyncNode b = Method(0x300, "B");
        _graph.Link(leaf, a);
        _graph.Link(a, b);
        _graph.Link(b, a); // a damaged heap: B's continuation points back at A

        (string[] frames, LogicalChain chain) = Assert.Single(Walk(out ChainWalkStats stats));

        Assert.Equal(["[awaiting Task.Delay]", "A", "B", _frames.Get(_frames.Cycle).Name], frames);
        Assert.Equal(ChainEnd.Cycle, chain.End);
        Assert.Equal(1, stats.Cycles);
    }

    [Fact]
    public void A_cycle_no_leaf_reaches_is_reported_once()
    {
        AsyncNode a = Method(0x200, "A");
        AsyncNode b = Method(0x300, "B");
        AsyncNode self = Method(0x400, "Self");
        _graph.Link(a, b);
        _graph.Link(b, a);
        _graph.Link(self, self);

        List<(string[] Frames, LogicalChain Chain)> chains = Walk(out ChainWalkStats stats);

        string cycle = _frames.Get(_frames.Cycle).Name;
        Assert.Equal([["A", "B", cycle], ["Self", cycle]], chains.Select(c => c.Frames));
        Assert.Equal(0, stats.Leaves);
        Assert.Equal(2, stats.Cycles);
    }

    [Fact]
    public void Without_the_cycle_check_a_cycle_runs_into_the_frame_limit_instead()
    {
        AsyncNode leaf = Node(0x100, "[awaiting Task.Delay]");
        AsyncNode a = Method(0x200, "A");
        AsyncNode b = Method(0x300, "B");
        _graph.Link(leaf, a);
        _graph.Link(a, b);
        _graph.Link(b, a);

        (string[] frames, LogicalChain chain) = Assert.Single(Walk(out ChainWalkStats stats, maxFrames: 9, disabled: AsyncWalkProtections.CycleCheck));

        Assert.Equal(ChainEnd.Truncated, chain.End);
        Assert.Equal(0, stats.Cycles);
        Assert.Equal(["[awaiting Task.Delay]", "A", "B", "A", "B", "A", "B", "A", _frames.Get(_frames.Truncated).Name], frames);
    }

    [Fact]
    public void A_link_to_an_address_outside_the_graph_and_a_broken_link_end_with_the_broken_marker()
    {
        AsyncNode leaf = Node(0x100, "[awaiting Task.Delay]");
        AsyncNode a = Method(0x200, "A");
        _graph.Link(leaf, a);
        a.Continuations.Add(new AsyncLink(AsyncLinkKind.Node, 0xdead0)); // as if the heap walk lost the object
        _graph.AddEnd(a, new AsyncLink(AsyncLinkKind.Broken, 0xbad));

        List<(string[] Frames, LogicalChain Chain)> chains = Walk(out ChainWalkStats stats);

        string broken = _frames.Get(_frames.Broken).Name;
        Assert.Equal([["[awaiting Task.Delay]", "A", broken], ["[awaiting Task.Delay]", "A", broken]], chains.Select(c => c.Frames));
        Assert.All(chains, c => Assert.Equal(ChainEnd.Broken, c.Chain.End));
        Assert.Equal(2, stats.Broken);
    }

    [Fact]
    public void A_chain_longer_than_the_limit_is_cut_with_a_marker_and_a_long_chain_needs_no_recursion()
    {
        const int length = 200_000; // far deeper than any recursive walk would survive
        AsyncNode previous = Node(1 << 4, "[awaiting Task.Delay]");
        for (int i = 1; i < length; i++)
        {
            AsyncNode next = Method((ulong)(i + 1) << 4, "M");
            _graph.Link(previous, next);
            previous = next;
        }

        (string[] cut, LogicalChain cutChain) = Assert.Single(Walk(out ChainWalkStats stats, maxFrames: 64));
        Assert.Equal(64, cut.Length);
        Assert.Equal(_frames.Get(_frames.Truncated).Name, cut[^1]);
        Assert.Equal(ChainEnd.Truncated, cutChain.End);
        Assert.Equal(1, stats.Truncated);

        (string[] whole, LogicalChain wholeChain) = Assert.Single(Walk(out _, maxFrames: length + 1));
        Assert.Equal(length, whole.Length);
        Assert.Equal(ChainEnd.Root, wholeChain.End);
    }

    [Fact]
    public void Paths_that_multiply_stop_at_the_chain_budget()
    {
        Lattice(levels: 40); // 2^40 paths from the leaf to the root

        List<(string[] Frames, LogicalChain Chain)> chains = Walk(out ChainWalkStats stats, maxChains: 5000);

        Assert.Equal(5000, chains.Count);
        Assert.True(stats.Cut);
        Assert.All(chains, c => Assert.Equal(ChainEnd.Root, c.Chain.End));
    }

    [Fact]
    public void Without_the_chain_budget_multiplying_paths_do_not_stop()
    {
        Lattice(levels: 40);
        long chains = 0;
        var walker = new LogicalChainWalker(_frames, 256, maxChains: 5000, AsyncWalkProtections.ChainBudget);

        // A walk still going at ten times its budget would go on for 2^40 chains.
        Assert.Throws<WalkStillGoing>(() => walker.Walk(_graph, (ReadOnlySpan<ulong> _, in LogicalChain _) => chains++, () =>
        {
            if (chains > 50_000)
            {
                throw new WalkStillGoing();
            }
        }));
    }

    [Fact]
    public void Chains_without_an_async_method_are_counted_by_the_walk_but_flagged()
    {
        AsyncNode tcs = Node(0x100, "[awaiting TaskCompletionSource]");
        AsyncNode whenAll = Node(0x200, "[Task.WhenAll]");
        _graph.Link(tcs, whenAll);

        (_, LogicalChain chain) = Assert.Single(Walk(out _));

        Assert.Equal(0, chain.AsyncMethods);
    }

    private AsyncNode Node(ulong address, string name) => _graph.Add(address, _frames.Intern(name, null), isAsyncMethod: false);

    private AsyncNode Method(ulong address, string name) => _graph.Add(address, _frames.Intern(name, "App"), isAsyncMethod: true);

    /// <summary>A leaf, then <paramref name="levels"/> levels of two nodes each, every node linked to both of the next level.</summary>
    private void Lattice(int levels)
    {
        List<AsyncNode> level = [Node(0x10, "[awaiting Task.Delay]")];
        for (int i = 0; i < levels; i++)
        {
            List<AsyncNode> next = [Method((ulong)(i + 1) << 8, "L"), Method(((ulong)(i + 1) << 8) | 0x10, "R")];
            foreach (AsyncNode from in level)
            {
                foreach (AsyncNode to in next)
                {
                    _graph.Link(from, to);
                }
            }

            level = next;
        }

        AsyncNode root = Method(0xffff_0000, "Root");
        foreach (AsyncNode from in level)
        {
            _graph.Link(from, root);
        }
    }

    private List<(string[] Frames, LogicalChain Chain)> Walk(out ChainWalkStats stats, int maxFrames = 256, long maxChains = 1_000_000,
        AsyncWalkProtections disabled = AsyncWalkProtections.None, Action? check = null)
    {
        var chains = new List<(string[], LogicalChain)>();
        var walker = new LogicalChainWalker(_frames, maxFrames, maxChains, disabled);
        stats = walker.Walk(_graph, (ReadOnlySpan<ulong> frames, in LogicalChain chain) =>
        {
            var names = new string[frames.Length];
            for (int i = 0; i < frames.Length; i++)
            {
                names[i] = _frames.Get(frames[i]).Name;
            }

            chains.Add((names, chain));
        }, check);
        return chains;
    }

    private sealed class WalkStillGoing : Exception;
}
