using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Async;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>
/// <c>stackdepot measure --async --pid N</c>, behind docs/benchmarks-cli.md: the time of the async snapshot (attach,
/// walk the heap into the async graph, read the thread roots and the thread pool, detach) against a plain ClrMD heap
/// walk (attach, enumerate every object and its type, detach), interleaved on the same process, and the time of
/// walking the logical stacks into the depot afterwards.
/// </summary>
internal static class AsyncMeasurement
{
    public static ExitCode Run(CliContext context, int pid, int samples, CancellationToken cancellation)
    {
        var plain = new List<double>();
        var snapshotMs = new List<double>();
        var frozen = new List<double>();
        var walk = new List<double>();
        var stacks = new List<double>();
        AsyncSnapshot? last = null;
        LogicalStacks? logical = null;
        long objects = 0;

        // One warm-up of each (loads the DAC, fills the page cache), then interleaved pairs.
        for (int i = -1; i < samples; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            double plainMs = PlainHeapWalk(pid, out objects);
            var frames = new AsyncFrameTable();
            var clock = Stopwatch.StartNew();
            AsyncSnapshot snapshot = new AsyncSource(pid, null, null, frames, context.Log).Capture(TimeSpan.FromMinutes(10), cancellation);
            double takenMs = clock.Elapsed.TotalMilliseconds;
            using var depot = new Depot(new DepotOptions { MaxFrames = 256 });
            var builder = new StackReportBuilder(depot, [ReportValueType.Tasks], frames.Get);
            LogicalStacks added = LogicalStacks.AddTo(builder, snapshot.Analysis, frames, 256, AsyncStacks.MaxChains);
            if (i < 0)
            {
                continue;
            }

            plain.Add(plainMs);
            snapshotMs.Add(takenMs);
            frozen.Add(snapshot.Frozen.TotalMilliseconds);
            walk.Add(snapshot.Analysis.Elapsed.TotalMilliseconds);
            stacks.Add(added.Elapsed.TotalMilliseconds);
            (last, logical) = (snapshot, added);
        }

        TextWriter o = context.Console.Out;
        AsyncAnalysis analysis = last!.Analysis;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target: pid {pid}, {objects} heap objects ({analysis.HeapBytes >> 20} MiB committed), {analysis.PendingTasks} pending tasks, {logical!.Added} logical stacks, {logical.Walk.Leaves} innermost tasks"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"samples: {samples} of each, interleaved, after one warm-up of each"));
        o.WriteLine("| measure | median ms | min ms | max ms |");
        o.WriteLine("|---|---|---|---|");
        MeasureCommand.Row(o, "plain ClrMD heap walk (attach, every object's type, detach)", plain);
        MeasureCommand.Row(o, "stackdepot async snapshot (attach, async graph, thread roots, pool, detach)", snapshotMs);
        MeasureCommand.Row(o, "  of which the target was stopped", frozen);
        MeasureCommand.Row(o, "  of which the heap walk and thread roots", walk);
        MeasureCommand.Row(o, "logical stacks into the depot (after detach)", stacks);
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"async snapshot over the plain heap walk (medians): {(MeasureCommand.Median(snapshotMs) / MeasureCommand.Median(plain) - 1) * 100:0.0}%, (minimums): {(snapshotMs.Min() / plain.Min() - 1) * 100:0.0}%"));
        return ExitCode.Success;
    }

    private static double PlainHeapWalk(int pid, out long objects)
    {
        var clock = Stopwatch.StartNew();
        objects = 0;
        ulong sink = 0;
        using (DataTarget target = DataTarget.AttachToProcess(pid, suspend: true))
        {
            using ClrRuntime runtime = target.ClrVersions[0].CreateRuntime();
            foreach (ClrObject obj in runtime.Heap.EnumerateObjects())
            {
                objects++;
                sink ^= obj.Type?.MethodTable ?? 0;
            }
        }

        GC.KeepAlive(sink);
        return clock.Elapsed.TotalMilliseconds;
    }
}
