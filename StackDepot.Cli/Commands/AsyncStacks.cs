using System.Globalization;
using StackDepot.Cli.Async;
using StackDepot.Cli.Options;
using StackDepot.Cli.Output;
using StackDepot.Cli.Sampling;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>
/// <c>stackdepot stacks --async [only|both]</c>: one snapshot of the GC heap's pending async work as logical stacks
/// (each saved once in a <see cref="Depot"/> and counted by handle), alone or with the thread stacks, threads blocked
/// on a task joined to that task's logical stack; the header says how long the target was stopped and what the
/// thread pool was doing.
/// </summary>
internal static class AsyncStacks
{
    /// <summary>The most logical stacks one snapshot walks (fan-out and fan-in multiply chains; the rest is counted).</summary>
    internal const long MaxChains = 1_000_000;

    /// <summary>From this heap size on, a live walk is slow enough (over a second: about 0.25 us per object, see
    /// docs/benchmarks-cli.md) to say so and suggest a heap dump instead.</summary>
    internal const ulong LargeHeapBytes = 256UL << 20;

    public static async Task<ExitCode> RunAsync(StacksSettings settings, StacksTarget target, OutputFile output, CliContext context, CancellationToken cancellation)
    {
        SamplingSettings sampling = settings.Sampling;
        bool both = settings.Async == AsyncMode.Both;
        if (sampling.Samples is > 1)
        {
            context.Log.Warning("--async takes one snapshot (a walk of the GC heap); --samples {Samples} is ignored", sampling.Samples);
        }

        using var threadFrames = new ClrFrameTable(sampling.GroupBy == GroupBy.Frame ? GroupBy.Frame : GroupBy.Method, sampling.RuntimeFrames, sampling.RawNames, target.FileSystemRoot);
        using var asyncFrames = new AsyncFrameTable(sampling.RawNames, target.FileSystemRoot);
        var source = new AsyncSource(target.Pid, target.DumpPath, both ? new StackWalker(threadFrames, sampling.MaxFrames) : null, asyncFrames, context.Log,
            beforeHeapWalk: heapBytes => WarnOfLargeHeap(context, target.Pid, heapBytes));
        DateTimeOffset started = DateTimeOffset.UtcNow;
        AsyncSnapshot snapshot = await SampleProgress.RunAsync(context.Console, SamplingPlan.Once, settings.Quiet, progress =>
        {
            AsyncSnapshot taken = Capture(source, sampling, target, cancellation);
            progress(SampleProgressInfo.Once(string.Create(CultureInfo.InvariantCulture, $"{taken.Analysis.PendingTasks} pending tasks, {taken.Analysis.HeapObjects} heap objects") +
                (target.Pid is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", target stopped {taken.Frozen.TotalMilliseconds:0.0} ms"))));
            return Task.FromResult(taken);
        }).ConfigureAwait(false);
        AsyncAnalysis analysis = snapshot.Analysis;
        using var depot = new Depot(new DepotOptions { MaxFrames = sampling.MaxFrames, Name = "stackdepot-cli" });
        var builder = new StackReportBuilder(depot, [both ? ReportValueType.ThreadsAndTasks : ReportValueType.Tasks],
            id => AsyncFrameTable.Owns(id) ? asyncFrames.Get(id) : threadFrames.Get(id));
        Dictionary<int, ulong[]>? threadStacks = snapshot.Threads?.Threads.ToDictionary(t => t.ThreadId, t => t.Frames);
        LogicalStacks logical = LogicalStacks.AddTo(builder, analysis, asyncFrames, sampling.MaxFrames, MaxChains, threadStacks, cancellation.ThrowIfCancellationRequested);
        foreach (ThreadStack thread in snapshot.Threads?.Threads ?? [])
        {
            if (!logical.JoinedThreads.Contains(thread.ThreadId))
            {
                builder.Add(thread.Frames, thread.ThreadId);
            }
        }

        StackReport report = builder.Build((both ? "Stacks and async stacks " : "Async stacks ") + target.Subject, settings.Report.Top, settings.Report.MinCount,
            Properties(target, source, snapshot, logical, sampling)) with
        {
            StartTime = target.Pid is null ? null : started,
            Duration = target.Pid is null ? null : snapshot.Frozen,
            PeriodType = builder.ValueTypes[0],
            MainModule = target.MainModule,
            Period = 1, // every thread and every pending operation is counted once
        };
        if (target.Pid is { } live)
        {
            var names = new ThreadNames(live);
            report = report with { ThreadNames = report.Entries.SelectMany(e => e.ThreadIds).Distinct().ToDictionary(t => t, t => names.Describe(t).Name) };
        }

        if (both)
        {
            report = WithKinds(report, depot, asyncFrames);
        }

        context.Log.Debug("{Chains} logical stacks in {Ms:0.0} ms, depot: {Stats}", logical.Added, logical.Elapsed.TotalMilliseconds, depot.GetStats());
        output.WriteReport(report, settings.Report.Formatter);
        return ExitCode.Success;
    }

    /// <summary>Before a live heap walk: a heap from <see cref="LargeHeapBytes"/> on keeps the process stopped for
    /// seconds; say so while it can still be interrupted, and what to do instead.</summary>
    private static void WarnOfLargeHeap(CliContext context, int? pid, ulong heapBytes)
    {
        if (pid is not null && heapBytes >= LargeHeapBytes)
        {
            context.Log.Warning(
                "The GC heap is {Heap}: process {Pid} stays stopped while it is walked, for seconds at this size (Ctrl-C releases it). For a heap this large, " +
                "take a heap dump (stackdepot dump --pid {Pid} --type heap -o FILE) and read it with stacks --dump FILE --async: the process is stopped only while the dump is written",
                Bytes(heapBytes), pid, pid);
        }
    }

    private static AsyncSnapshot Capture(AsyncSource source, SamplingSettings sampling, StacksTarget target, CancellationToken cancellation)
    {
        try
        {
            return source.Capture(TimeSpan.FromMilliseconds(sampling.TimeoutMs), cancellation);
        }
        catch (SampleTimeoutException e)
        {
            throw new CliException(ExitCode.Timeout, target.Pid is { } pid
                ? $"the heap walk took longer than --timeout {sampling.TimeoutMs} ms; process {pid} was released. Raise --timeout, or take a heap dump " +
                  $"(stackdepot dump --pid {pid} --type heap -o FILE) and read it with stacks --dump FILE --async"
                : $"reading the dump's heap took longer than --timeout {sampling.TimeoutMs} ms; raise --timeout", e);
        }
    }

    private static Dictionary<string, string> Properties(StacksTarget target, AsyncSource source, AsyncSnapshot snapshot, LogicalStacks logical, SamplingSettings sampling)
    {
        AsyncAnalysis analysis = snapshot.Analysis;
        var properties = new Dictionary<string, string>(target.Properties)
        {
            ["runtime"] = ".NET " + source.RuntimeVersion,
            ["pending tasks"] = string.Create(CultureInfo.InvariantCulture,
                $"{analysis.PendingTasks} ({logical.Added} logical stacks from {logical.Walk.Leaves} innermost tasks; {logical.WithoutAsyncMethods} chains without an async method left out)"),
            ["heap"] = string.Create(CultureInfo.InvariantCulture,
                $"{Bytes(analysis.HeapBytes)}, {analysis.HeapObjects} objects, walked in {analysis.Elapsed.TotalMilliseconds:0.0} ms"),
        };
        if (target.Pid is not null)
        {
            properties["target stopped"] = string.Create(CultureInfo.InvariantCulture, $"{snapshot.Frozen.TotalMilliseconds:0.0} ms (attach to detach)");
        }

        if (snapshot.Threads is { } threads)
        {
            properties["threads"] = threads.Threads.Count.ToString(CultureInfo.InvariantCulture);
            properties["grouped by"] = sampling.GroupBy == GroupBy.Method ? "method" : "frame (exact address)";
        }

        if (analysis.ThreadPool is { } pool)
        {
            properties["thread pool"] = pool.Describe();
        }

        int waiting = analysis.Waits.TaskWaits.Count;
        int locked = analysis.Waits.LockWaits.Count;
        if (waiting > 0 || locked > 0)
        {
            properties["blocked threads"] = string.Create(CultureInfo.InvariantCulture, $"{waiting} waiting on a task (sync-over-async), {locked} on a lock");
        }

        ChainWalkStats walk = logical.Walk;
        if (analysis.Unreadable > 0 || walk.Cycles > 0 || walk.Broken > 0 || analysis.StoppedEarly is not null)
        {
            properties["damaged heap"] = string.Create(CultureInfo.InvariantCulture,
                $"{analysis.Unreadable} unreadable objects or links, {walk.Cycles} chains end in a cycle, {walk.Broken} at a broken link") +
                (analysis.StoppedEarly is { } why ? "; the heap walk stopped early: " + why : string.Empty);
        }

        if (walk.Truncated > 0)
        {
            properties["truncated stacks"] = $"{walk.Truncated} (longer than --max-frames {sampling.MaxFrames})";
        }

        if (walk.Cut)
        {
            properties["chains cut"] = string.Create(CultureInfo.InvariantCulture, $"after {MaxChains} logical stacks (tasks awaited by very many others)");
        }

        return properties;
    }

    /// <summary>
    /// Headings that say what each stack of a mixed report is: a thread's stack, a pending async operation's logical
    /// stack, or threads blocked synchronously on a task (the task's logical stack, then the thread's).
    /// </summary>
    private static StackReport WithKinds(StackReport report, Depot depot, AsyncFrameTable frames)
    {
        long total = report.TotalOf(0);
        var entries = new List<StackReportEntry>(report.Entries.Count);
        foreach (StackReportEntry entry in report.Entries)
        {
            ulong[] ids = entry.Handle.IsNone ? [] : depot.Fetch(entry.Handle);
            long value = entry.Values[0];
            string kind = ids.Length > 0 && AsyncFrameTable.Owns(ids[0])
                ? ids.Contains(frames.BlockingWait)
                    ? (value == 1 ? "1 thread blocked on a task" : $"{value} threads blocked on tasks")
                    : (value == 1 ? "1 task" : $"{value} tasks")
                : value == 1 ? "1 thread" : $"{value} threads";
            entries.Add(new StackReportEntry
            {
                Frames = entry.Frames,
                Values = entry.Values,
                ThreadIds = entry.ThreadIds,
                Handle = entry.Handle,
                Caption = kind + " (" + (total <= 0 ? "-" : (100.0 * value / total).ToString("0.0", CultureInfo.InvariantCulture) + "%") + ")",
            });
        }

        return report with { Entries = entries };
    }

    private static string Bytes(ulong bytes) =>
        bytes >= 1UL << 30 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1UL << 30):0.0} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1UL << 20):0.0} MiB");
}
