using Serilog.Core;
using StackDepot.Cli.Sampling;
using StackDepot.Cli.Sampling.Ptrace;

namespace StackDepot.Cli.Tests.Sampling;

/// <summary>
/// The copying engine end to end in this process: the stacks are unwound from the copy, as they were when the threads
/// were stopped, although the target runs on (and here changes those very stacks) before the walk.
/// </summary>
[Collection("cli")]
public sealed class StackCopySourceTests
{
    [Fact]
    public async Task Stacks_are_unwound_as_they_were_when_copied()
    {
        List<string[]> five = await WalkAfterMoveAsync(SamplerProtections.None);
        Assert.Equal(5, five.Count);
        Assert.All(five, frames =>
        {
            Reports.AssertInOrder(frames, Reports.Park, Reports.FiveInner, Reports.FiveMiddle, Reports.FiveOuter);
            Assert.DoesNotContain(frames, f => f.Contains("MovedChain", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task Without_unwinding_from_the_copy_the_walk_sees_the_stacks_changed_since()
    {
        List<string[]> five = await WalkAfterMoveAsync(SamplerProtections.UnwindFromCopy);
        Assert.Contains(five, frames => frames.Any(f => f.Contains("MovedChain", StringComparison.Ordinal)) || !frames.Any(f => f.StartsWith(Reports.FiveInner, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_copying_the_runtime_thread_the_walk_follows_the_frame_chain_changed_since()
    {
        List<string[]> five = await WalkAfterMoveAsync(SamplerProtections.CopyRuntimeThread);
        Assert.Contains(five, frames => frames.Any(f => f.Contains("MovedChain", StringComparison.Ordinal)) || !frames.Any(f => f.StartsWith(Reports.FiveInner, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_unchanged_stack_reuses_its_last_walk_and_a_changed_one_is_walked_again()
    {
        (Snapshot second, List<string[]> five) = await SampleTwiceAroundMoveAsync(SamplerProtections.None);
        Assert.Equal(5, five.Count);
        Assert.All(five, frames => Assert.Contains(frames, f => f.Contains("MovedChain", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_comparing_the_copies_a_changed_stack_reuses_a_stale_walk()
    {
        (_, List<string[]> five) = await SampleTwiceAroundMoveAsync(SamplerProtections.WalkChangedStacks);
        Assert.All(five, frames => Assert.DoesNotContain(frames, f => f.Contains("MovedChain", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Threads_are_named_and_told_apart_by_kind()
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        using var source = new StackCopySource(target.Pid, new StackWalker(new ClrFrameTable(GroupBy.Method, runtimeFrames: false), 256), Logger.None);
        source.Open();
        Snapshot snapshot = source.Capture(TimeSpan.FromSeconds(30), CancellationToken.None);
        Dictionary<string, ThreadInfo> byName = snapshot.Threads.Select(t => source.DescribeThread(t.ThreadId)).ToDictionary(t => t.Name);
        foreach (string name in new[] { "five-0", "five-4", "three-2", "heartbeat" })
        {
            Assert.Equal(ThreadKind.Other, byName[name].Kind);
        }

        Assert.Equal(ThreadKind.Finalizer, Assert.Single(byName.Values, t => t.Kind == ThreadKind.Finalizer).Kind);
        Assert.Equal(target.Pid, Assert.Single(byName.Values, t => t.Kind == ThreadKind.Main).ThreadId);
        Assert.Empty(snapshot.Threads.Single(t => source.DescribeThread(t.ThreadId).Kind == ThreadKind.Finalizer).Frames);
        await target.AssertRunningAsync();
    }

    /// <summary>Samples the target, moves its five threads from FiveChain to MovedChain, samples again; returns the
    /// second snapshot and the frames of the five threads in it.</summary>
    private static async Task<(Snapshot Second, List<string[]> Five)> SampleTwiceAroundMoveAsync(SamplerProtections off)
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        int[] five = Enumerable.Range(0, 5).Select(i => target.ThreadIdsByName()[$"five-{i}"]).ToArray();
        var frames = new ClrFrameTable(GroupBy.Method, runtimeFrames: false);
        using var source = new StackCopySource(target.Pid, new StackWalker(frames, 256), Logger.None);
        source.Open();
        source.Copier!.DisabledProtections = off;

        // A garbage collection moves objects and updates the stacks that refer to them: collect first, so that the
        // parked threads' stacks stay as they are.
        Assert.Equal("collected", await target.AskAsync("gc", "collected"));
        Snapshot first = source.Capture(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(0, first.Reused);
        Snapshot again = source.Capture(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.True(again.Reused >= 8, $"{again.Reused} of {again.Threads.Count} walks reused"); // at least the eight parked threads
        Assert.Equal(first.Threads.OrderBy(t => t.ThreadId).Select(t => string.Join(',', t.Frames)), again.Threads.OrderBy(t => t.ThreadId).Select(t => string.Join(',', t.Frames)));
        Assert.Equal("moved", await target.AskAsync("move", "moved"));

        Snapshot second = source.Capture(TimeSpan.FromSeconds(30), CancellationToken.None);

        await target.AssertRunningAsync();
        return (second, second.Threads.Where(t => five.Contains(t.ThreadId)).Select(t => t.Frames.Select(id => frames.Get(id).Name).ToArray()).ToList());
    }

    /// <summary>Copies the target's stacks, sends its five threads from FiveChain to MovedChain before the copy is
    /// walked, and returns the frames walked for the five threads.</summary>
    private static async Task<List<string[]>> WalkAfterMoveAsync(SamplerProtections off)
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        int[] five = Enumerable.Range(0, 5).Select(i => target.ThreadIdsByName()[$"five-{i}"]).ToArray();
        var frames = new ClrFrameTable(GroupBy.Method, runtimeFrames: false);
        using var source = new StackCopySource(target.Pid, new StackWalker(frames, 256), Logger.None);
        source.Open();
        source.Reader!.DisabledProtections = off;
        source.Copier!.DisabledProtections = off;
        source.AfterCopy = () => Assert.Equal("moved", target.AskAsync("move", "moved").GetAwaiter().GetResult());

        Snapshot snapshot = source.Capture(TimeSpan.FromSeconds(30), CancellationToken.None);

        await target.AssertRunningAsync();
        return snapshot.Threads.Where(t => five.Contains(t.ThreadId)).Select(t => t.Frames.Select(id => frames.Get(id).Name).ToArray()).ToList();
    }
}
