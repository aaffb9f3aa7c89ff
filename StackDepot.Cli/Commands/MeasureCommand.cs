using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Hosting;
using StackDepot.Cli.Options;
using StackDepot.Cli.Sampling;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>
/// The hidden <c>stackdepot measure</c> mode behind docs/benchmarks-cli.md: the time per sample of the full pipeline
/// (stop the target, walk into frame ids, symbolize new frames, save in the depot, count) with the copying engine or
/// the suspending one, against a plain ClrMD walk (attach, enumerate every frame of every thread, detach), interleaved
/// on the same target, plus the one-off cost of building and writing the report.
/// </summary>
internal static class MeasureCommand
{
    /// <summary>The hidden command: <c>--pid</c> or a workload of <c>--workers</c> threads, <c>--samples</c>.</summary>
    public static Command Create(CliContext context)
    {
        Option<int?> pid = CommonOptions.Pid("Measure this process instead of a demo workload with --workers threads");
        var workers = CommonOptions.Positive(new Option<int>("--workers") { Description = "Order workers in the demo workload (about 8 more threads run beside them)", DefaultValueFactory = _ => 192 });
        var samples = CommonOptions.Positive(new Option<int>("--samples", "-n") { Description = "Measured samples of each kind", DefaultValueFactory = _ => 20 });
        Option<string> engine = CommonOptions.OneOf(new Option<string>("--engine")
        {
            Description = "clrmd: the copying engine (stop, copy, resume, unwind the copy); clrmd-suspend: attach, walk, detach",
            DefaultValueFactory = _ => "clrmd",
        }, "clrmd", "clrmd-suspend");
        var heap = new Option<bool>("--async") { Description = "Time the async snapshot (heap walk) against a plain ClrMD heap walk instead (needs --pid)" };
        var command = new Command("measure", "Time the sampling pipeline against a plain ClrMD walk (see docs/benchmarks-cli.md).") { pid, workers, samples, engine, heap };
        command.Hidden = true;
        command.Validators.Add(result =>
        {
            if (result.GetValue(heap) && result.GetResult(pid) is null)
            {
                result.AddError("measure --async needs --pid: a process with pending async work");
            }
        });
        command.SetAction(async (parse, cancellation) => parse.GetValue(heap)
            ? (int)AsyncMeasurement.Run(context, parse.GetValue(pid)!.Value, parse.GetValue(samples), cancellation)
            : (int)await RunAsync(context, parse.GetValue(pid), parse.GetValue(workers), parse.GetValue(samples), parse.GetValue(engine) == "clrmd", cancellation).ConfigureAwait(false));
        return command;
    }

    /// <summary>Runs the measurement and prints a markdown table on stdout.</summary>
    public static async Task<ExitCode> RunAsync(CliContext context, int? pid, int workers, int samples, bool copying, CancellationToken cancellation)
    {
        ChildProcess? child = null;
        try
        {
            if (pid is null)
            {
                child = ChildProcess.StartDllWithArguments(DemoCommand.WorkloadPath, ["--workers", workers.ToString(CultureInfo.InvariantCulture)], "READY");
                await child.WaitReadyAsync(TimeSpan.FromSeconds(60), cancellation).ConfigureAwait(false);
                pid = child.ReadyPid;
            }

            int target = pid.Value;
            using var depot = new Depot(new DepotOptions { MaxFrames = 257 }); // 256 frames and the (truncated) marker
            using var frames = new ClrFrameTable(GroupBy.Method, runtimeFrames: false);
            var walker = new StackWalker(frames, 256);
            var builder = new StackReportBuilder(depot, [ReportValueType.Samples], frames.Get);
            var plain = new List<double>();
            var full = new List<double>();
            var frozen = new List<double>();
            var counting = new List<double>();
            int threads = 0;

            // One warm-up of each (loads the DAC, fills the page cache), then interleaved pairs.
            PlainWalk(target);
            using IStackSource source = copying && StackCopySource.IsSupported
                ? new StackCopySource(target, walker, context.Log)
                : new LiveSource(target, walker, context.Log);
            source.Open();
            Pipeline(source, builder, cancellation, out _, out _);
            for (int i = 0; i < samples; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                plain.Add(PlainWalk(target));
                full.Add(Pipeline(source, builder, cancellation, out Snapshot snapshot, out double countMs));
                counting.Add(countMs);
                frozen.Add(snapshot.Frozen.TotalMilliseconds);
                threads = snapshot.Threads.Count;
            }

            var clock = Stopwatch.StartNew();
            StackReport report = builder.Build("measure", top: 20);
            using (var sink = new StringWriter(CultureInfo.InvariantCulture))
            {
                StackReportWriter.Write(report, ReportFormat.Text, sink);
            }

            double reportMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            using (var sink = new StringWriter(CultureInfo.InvariantCulture))
            {
                StackReportWriter.Write(builder.Build("measure", top: 20), ReportFormat.Text, sink);
            }

            double warmReportMs = clock.Elapsed.TotalMilliseconds;
            double plainTotal = plain.Sum();
            double fullTotal = full.Sum() + reportMs;
            TextWriter o = context.Console.Out;
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target: pid {target}, {threads} managed threads, {builder.DistinctStacks} distinct stacks, {frames.Symbolized} frames symbolized"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"samples: {samples} of each, interleaved, after one warm-up of each"));
            o.WriteLine("| measure | median ms | min ms | max ms |");
            o.WriteLine("|---|---|---|---|");
            Row(o, "plain ClrMD walk (attach, enumerate, detach)", plain);
            Row(o, $"stackdepot sample, engine {source.Engine} (stop, walk, symbolize, depot, count)", full);
            Row(o, "  of which the target was stopped", frozen);
            Row(o, "  of which depot save + count (after the target runs again)", counting);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"report build + text write, once per run: {reportMs:0.00} ms (first, with JIT), {warmReportMs:0.00} ms (again)"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"overhead over the plain walk, whole run ({samples} samples + report): {(fullTotal / plainTotal - 1) * 100:0.0}%; per sample (medians): {(Median(full) / Median(plain) - 1) * 100:0.0}%, (minimums): {(full.Min() / plain.Min() - 1) * 100:0.0}%"));
            return ExitCode.Success;
        }
        finally
        {
            if (child is not null)
            {
                await child.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                child.Dispose();
            }
        }
    }

    private static double PlainWalk(int pid)
    {
        var clock = Stopwatch.StartNew();
        ulong sink = 0;
        using (DataTarget target = DataTarget.AttachToProcess(pid, suspend: true))
        {
            using ClrRuntime runtime = target.ClrVersions[0].CreateRuntime();
            foreach (ClrThread thread in runtime.Threads)
            {
                if (!thread.IsAlive)
                {
                    continue;
                }

                foreach (ClrStackFrame frame in thread.EnumerateStackTrace())
                {
                    sink ^= frame.InstructionPointer ^ (frame.Method?.MethodDesc ?? 0);
                }
            }
        }

        GC.KeepAlive(sink);
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Pipeline(IStackSource source, StackReportBuilder builder, CancellationToken cancellation, out Snapshot snapshot, out double countMs)
    {
        var clock = Stopwatch.StartNew();
        snapshot = source.Capture(TimeSpan.FromMinutes(1), cancellation);
        long counted = Stopwatch.GetTimestamp();
        foreach (ThreadStack thread in snapshot.Threads)
        {
            builder.Add(thread.Frames, thread.ThreadId);
        }

        countMs = Stopwatch.GetElapsedTime(counted).TotalMilliseconds;
        return clock.Elapsed.TotalMilliseconds;
    }

    internal static void Row(TextWriter output, string name, List<double> values) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(values):0.00} | {values.Min():0.00} | {values.Max():0.00} |"));

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
