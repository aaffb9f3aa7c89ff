using System.Diagnostics;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Async;
using StackDepot.Cli.Blocking;
using StackDepot.Cli.Sampling;
using StackDepot.Reporting;
using Xunit.Abstractions;

namespace StackDepot.Cli.Tests.Async;

/// <summary>
/// The async engine against the target's async scenario, whose ground truth is known: live (attached from this
/// process) and from a heap dump, the logical stacks with their exact counts and chains, the awaited things named,
/// the sync-over-async threads joined to their tasks, the Monitor owner named, the target running afterwards.
/// </summary>
[Collection("async-target")]
public sealed class AsyncEngineTests(AsyncTargetFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Target = AsyncGroundTruth.Target;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.Target.AssertRunningAsync();

    [Fact]
    public async Task Live_logical_stacks_match_the_ground_truth_and_the_target_runs_afterwards()
    {
        AsyncRun run = Analyze(DataTarget.AttachToProcess(fixture.Pid, suspend: true));
        await fixture.Target.AssertRunningAsync();
        AssertGroundTruth(run);
    }

    [Fact]
    public async Task A_heap_dump_gives_the_same_logical_stacks()
    {
        AsyncRun run = Analyze(DataTarget.LoadDump(await fixture.HeapDumpAsync()));
        AssertGroundTruth(run);
    }

    [Fact]
    public async Task A_mini_dump_has_no_readable_heap_and_a_heap_dump_has()
    {
        using (DataTarget mini = DataTarget.LoadDump(await fixture.MiniDumpAsync()))
        using (ClrRuntime runtime = mini.ClrVersions[0].CreateRuntime())
        {
            Assert.False(AsyncHeapWalker.HasReadableHeap(runtime));
        }

        using DataTarget heap = DataTarget.LoadDump(await fixture.HeapDumpAsync());
        using ClrRuntime heapRuntime = heap.ClrVersions[0].CreateRuntime();
        Assert.True(AsyncHeapWalker.HasReadableHeap(heapRuntime));
    }

    [Fact]
    public void Sync_over_async_threads_are_joined_to_the_logical_stack_of_the_task_they_wait_on()
    {
        AsyncRun run = Analyze(DataTarget.AttachToProcess(fixture.Pid, suspend: true), withThreads: true);
        Dictionary<string, int> tids = fixture.Target.ThreadIdsByName();

        List<StackReportEntry> joined = run.Report.Entries.Where(e => Names(e).Contains(AsyncGroundTruth.BlockingMarker)).ToList();
        Assert.Equal(3, joined.Count);
        AssertJoined(joined, Target + "ManifestChain.LoadBlocking()", 5, Enumerable.Range(0, 5).Select(i => tids[$"manifest-{i}"]));
        AssertJoined(joined, Target + "ManifestChain.LoadResult()", 1, [tids["manifest-result"]]);
        AssertJoined(joined, Target + "ManifestChain.LoadWait()", 1, [tids["manifest-wait"]]);
        Assert.Equal(7, run.Stacks.JoinedThreads.Count);
    }

    [Fact]
    public void The_threads_waiting_for_a_Monitor_and_a_Lock_name_their_owners()
    {
        AsyncRun run = Analyze(DataTarget.AttachToProcess(fixture.Pid, suspend: true));
        Dictionary<string, int> tids = fixture.Target.ThreadIdsByName();

        Assert.Equal(2, run.Analysis.Waits.LockWaits.Count);
        LockWait monitor = run.Analysis.Waits.LockWaits[tids["ledger-clerk"]];
        Assert.Equal("Monitor", monitor.LockKind);
        Assert.Equal("System.Object", monitor.ObjectType);
        Assert.Equal(tids["ledger-owner"], monitor.OwnerThreadId);

        // A System.Threading.Lock keeps its owner's id in a field (the OS thread id on .NET 10 on Linux), not a sync block.
        LockWait door = run.Analysis.Waits.LockWaits[tids["vault-clerk"]];
        Assert.Equal("Lock", door.LockKind);
        Assert.Equal("System.Threading.Lock", door.ObjectType);
        Assert.Equal(tids["vault-owner"], door.OwnerThreadId);
    }

    [Fact]
    public async Task The_target_is_stopped_while_the_heap_is_walked_and_no_longer()
    {
        await fixture.Target.TakeMaxGapAsync(); // start a fresh measurement
        var attached = Stopwatch.StartNew();
        AsyncRun run = Analyze(DataTarget.AttachToProcess(fixture.Pid, suspend: true));
        attached.Stop();
        double gap = await fixture.Target.TakeMaxGapAsync();
        output.WriteLine($"heap walk {run.Analysis.Elapsed.TotalMilliseconds:0.0} ms, attach to detach {attached.Elapsed.TotalMilliseconds:0.0} ms, " +
                         $"longest stop seen inside the target {gap:0.0} ms, {run.Analysis.HeapObjects} objects");

        // The heartbeat cannot run while the process is stopped, so it sees at least the walk; it sees no stop longer
        // than the attachment (the slack covers a heartbeat thread descheduled on a loaded machine).
        Assert.True(gap >= run.Analysis.Elapsed.TotalMilliseconds - 5, $"gap {gap} ms < walk {run.Analysis.Elapsed.TotalMilliseconds} ms");
        Assert.True(gap <= attached.Elapsed.TotalMilliseconds + 1000, $"gap {gap} ms > attached {attached.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_damaged_heap_ends_cyclic_and_broken_chains_with_markers()
    {
        string original = await fixture.HeapDumpAsync();
        string damaged = Path.Combine(fixture.Directory, "damaged.core");
        File.Copy(original, damaged, overwrite: true);
        try
        {
            // Find the objects to damage in the intact dump.
            var patches = new List<(ulong Address, ulong Value)>();
            using (DataTarget target = DataTarget.LoadDump(original))
            using (ClrRuntime runtime = target.ClrVersions[0].CreateRuntime())
            {
                var frames = new AsyncFrameTable();
                AsyncGraph graph = AsyncAnalysis.Read(runtime, frames, () => { }).Graph;
                List<AsyncNode> sails = Find(graph, frames, "TideChain.SailAsync");
                List<AsyncNode> clears = Find(graph, frames, "CustomsChain.ClearAsync");
                AsyncNode ledger = Assert.Single(graph.Nodes.Values, n => n.Continuations.Count == AsyncScenarioCounts.WhenAllBatches * 2);
                AsyncNode tide = Assert.Single(graph.Nodes.Values, n => n.Continuations.Any(c => c.Address == sails[0].Address));
                ClrHeap heap = runtime.Heap;

                patches.Add((ContinuationField(heap, sails[0].Address), tide.Address)); // a cycle of two: WaitForTide -> Sail -> WaitForTide
                patches.Add((ContinuationField(heap, sails[1].Address), sails[1].Address)); // a box that continues itself
                patches.Add((ContinuationField(heap, clears[0].Address), 0x10)); // a continuation pointing nowhere
                ClrObject list = heap.GetObject(ledger.Address).ReadObjectField("m_continuationObject");
                ClrObject items = list.ReadObjectField("_items");
                patches.Add((items.Type!.GetArrayElementAddress(items.Address, 0), list.Address)); // a list that contains itself
            }

            foreach ((ulong address, ulong value) in patches)
            {
                CoreFilePatcher.WritePointer(damaged, address, value);
            }

            var clock = Stopwatch.StartNew();
            AsyncRun run = Analyze(DataTarget.LoadDump(damaged), check: () => Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the walk does not end"));

            List<SeenStack> seen = Seen(run);
            Assert.Equal(2, run.Stacks.Walk.Cycles);
            AsyncGroundTruth.Single(seen, AsyncScenarioCounts.Delay - 2, "[awaiting Task.Delay]", AsyncGroundTruth.DelayChain);
            AsyncGroundTruth.Single(seen, 2, "[awaiting Task.Delay]", [.. AsyncGroundTruth.DelayChain, AsyncGroundTruth.CycleMarker]);
            AsyncGroundTruth.Single(seen, AsyncScenarioCounts.Semaphore - 1, "[awaiting SemaphoreSlim.WaitAsync]", AsyncGroundTruth.SemaphoreChain);
            AsyncGroundTruth.Single(seen, 1, "[awaiting SemaphoreSlim.WaitAsync]", [.. AsyncGroundTruth.SemaphoreChain, AsyncGroundTruth.BrokenMarker]);

            // The list that contains itself is given up at the resolve depth; the reads it fed are still linked from
            // their awaiters' side, so every batch keeps its chain.
            Assert.True(run.Analysis.Unreadable >= 2, $"{run.Analysis.Unreadable} unreadable");
            AsyncGroundTruth.Single(seen, AsyncScenarioCounts.WhenAllBatches * 2, "[awaiting TaskCompletionSource<int>]", AsyncGroundTruth.WhenAllChain);
        }
        finally
        {
            File.Delete(damaged);
        }
    }

    [Fact]
    public void A_process_caught_loading_types_is_released_and_attached_again()
    {
        // As if ClrMD's lookup of types by name failed once (a process stopped while it loads types).
        int lookups = 0;
        var frames = new AsyncFrameTable();
        var source = new AsyncSource(fixture.Pid, null, null, frames, Serilog.Core.Logger.None, _ => ++lookups > 1);
        AsyncSnapshot snapshot = source.Capture(TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(2, source.Attachments);
        Assert.Equal(2, lookups);
        AsyncGroundTruth.AssertLogicalStacks(Seen(Report(snapshot.Analysis, frames)), fixture.Target.ThreadIdsByName());

        // A lookup that never works ends at the last attachment, which is used whatever the lookup says.
        var stubbornFrames = new AsyncFrameTable();
        var stubborn = new AsyncSource(fixture.Pid, null, null, stubbornFrames, Serilog.Core.Logger.None, _ => false);
        AsyncSnapshot last = stubborn.Capture(TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(AsyncSource.MaxAttachments, stubborn.Attachments);
        AsyncGroundTruth.AssertLogicalStacks(Seen(Report(last.Analysis, stubbornFrames)), fixture.Target.ThreadIdsByName());
    }

    [Fact]
    public async Task A_dump_is_read_once_whatever_the_type_lookup_says()
    {
        var frames = new AsyncFrameTable();
        var source = new AsyncSource(null, await fixture.HeapDumpAsync(), null, frames, Serilog.Core.Logger.None, _ => false);
        AsyncSnapshot snapshot = source.Capture(TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(1, source.Attachments);
        Assert.Equal(TimeSpan.Zero, snapshot.Frozen);
        AsyncGroundTruth.AssertLogicalStacks(Seen(Report(snapshot.Analysis, frames)), fixture.Target.ThreadIdsByName());
    }

    private static StackReport Report(AsyncAnalysis analysis, AsyncFrameTable frames)
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 256 });
        var builder = new StackReportBuilder(depot, [ReportValueType.Tasks], frames.Get);
        LogicalStacks.AddTo(builder, analysis, frames, 256, 1_000_000);
        return builder.Build("async");
    }

    private static List<SeenStack> Seen(StackReport report) =>
        [.. report.Entries.Select(e => new SeenStack(Names(e), e.Values[0], [.. e.ThreadIds]))];

    private static List<AsyncNode> Find(AsyncGraph graph, AsyncFrameTable frames, string method) =>
        [.. graph.Nodes.Values.Where(n => frames.Get(n.FrameId).Name.Contains(method, StringComparison.Ordinal))];

    private static ulong ContinuationField(ClrHeap heap, ulong task) =>
        heap.GetObject(task).Type!.GetFieldByName("m_continuationObject")!.GetAddress(task);

    private void AssertGroundTruth(AsyncRun run)
    {
        output.WriteLine($"{run.Analysis.HeapObjects} objects, {run.Analysis.PendingTasks} pending, walk {run.Analysis.Elapsed.TotalMilliseconds:0.0} ms, pool: {run.Analysis.ThreadPool?.Describe()}");
        Assert.Equal(0, run.Analysis.Unreadable);
        Assert.Equal(0, run.Stacks.Walk.Cycles + run.Stacks.Walk.Broken + run.Stacks.Walk.Truncated);
        Assert.NotNull(run.Analysis.ThreadPool);
        Assert.Equal(AsyncScenarioCounts.QueuedWorkItems, run.Analysis.ThreadPool.Queued); // read from the heap: live and in a dump
        AsyncGroundTruth.AssertLogicalStacks(Seen(run), fixture.Target.ThreadIdsByName());

        // The frames of async methods carry the module that declares them.
        Assert.Contains(run.Report.Entries.SelectMany(e => e.Frames), f => f.Module == AsyncGroundTruth.Module);
    }

    private static List<SeenStack> Seen(AsyncRun run) => Seen(run.Report);

    private static void AssertJoined(List<StackReportEntry> joined, string threadFrame, int count, IEnumerable<int> threads)
    {
        StackReportEntry entry = Assert.Single(joined, e => Names(e).Contains(threadFrame));
        string[] names = Names(entry);
        Reports.AssertInOrder(names, "[awaiting TaskCompletionSource<int>]", Target + "ManifestChain.FetchAsync()", Target + "ManifestChain.LoadAsync()",
            AsyncGroundTruth.BlockingMarker, "System.Threading.Tasks.Task.SpinThenBlockingWait", threadFrame);
        Assert.Equal(count, entry.Values[0]);
        Assert.Equal(threads.Order(), entry.ThreadIds);
    }

    private static string[] Names(StackReportEntry entry) => [.. entry.Frames.Select(f => f.Name)];

    /// <summary>Attaches (or loads), reads the async state, walks the chains into a report, detaches.</summary>
    private static AsyncRun Analyze(DataTarget target, bool withThreads = false, Action? check = null)
    {
        check ??= () => { };
        using (target)
        {
            ClrInfo clr = ClrRuntimes.Find(target) ?? throw new InvalidOperationException("no runtime");
            using ClrRuntime runtime = ClrRuntimes.Create(clr, "the target");
            var frames = new AsyncFrameTable();
            AsyncAnalysis analysis = AsyncAnalysis.Read(runtime, frames, check);
            var threadFrames = new ClrFrameTable(GroupBy.Method, runtimeFrames: false);
            Dictionary<int, ulong[]>? threadStacks = null;
            if (withThreads)
            {
                Snapshot snapshot = new StackWalker(threadFrames, 256).Walk(runtime, Stopwatch.StartNew(), TimeSpan.FromMinutes(1), CancellationToken.None);
                threadStacks = snapshot.Threads.ToDictionary(t => t.ThreadId, t => t.Frames);
            }

            using var depot = new Depot(new DepotOptions { MaxFrames = 256 });
            var builder = new StackReportBuilder(depot, [new ReportValueType("tasks", "count")], id => AsyncFrameTable.Owns(id) ? frames.Get(id) : threadFrames.Get(id));
            LogicalStacks stacks = LogicalStacks.AddTo(builder, analysis, frames, 256, 1_000_000, threadStacks, check);
            return new AsyncRun(analysis, builder.Build("async"), stacks);
        }
    }

    private sealed record AsyncRun(AsyncAnalysis Analysis, StackReport Report, LogicalStacks Stacks);
}
