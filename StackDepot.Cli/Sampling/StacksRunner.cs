using System.Diagnostics;
using System.Globalization;
using Serilog;
using StackDepot.Cli.Output;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>What <c>stackdepot stacks</c> (and <c>demo</c>) was asked to do.</summary>
internal sealed record StacksSettings
{
    public int? Pid { get; init; }

    public string? Name { get; init; }

    public string? DumpPath { get; init; }

    public int Samples { get; init; } = 1;

    public int IntervalMs { get; init; } = 100;

    public int Top { get; init; } = 20;

    public long MinCount { get; init; }

    public ReportFormat Format { get; init; } = ReportFormat.Text;

    public string? OutputPath { get; init; }

    public int MaxFrames { get; init; } = 256;

    public bool RuntimeFrames { get; init; }

    public GroupBy GroupBy { get; init; } = GroupBy.Method;

    public int TimeoutMs { get; init; } = 10_000;

    public bool Quiet { get; init; }
}

/// <summary>
/// The sampling pipeline: snapshots (attach, walk, detach), every thread's stack saved once in a <see cref="Depot"/>
/// and counted by handle, frames symbolized once, then one report written.
/// </summary>
internal static class StacksRunner
{
    public static async Task<ExitCode> RunAsync(StacksSettings settings, CancellationToken cancellation)
    {
        // Everything that can be checked before the target is touched: arguments, output file, target.
        using OutputFile output = OutputFile.Open(settings.OutputPath);
        string title;
        string processName = string.Empty;
        int pid = 0;
        if (settings.DumpPath is not null)
        {
            if (settings.Pid is not null || settings.Name is not null)
            {
                throw new CliException(ExitCode.Usage, "give one target: --pid, --name or --dump");
            }

            DumpSource.Check(settings.DumpPath);
            title = $"Stacks in dump {Path.GetFileName(settings.DumpPath)}";
        }
        else
        {
            pid = DotNetProcess.Resolve(settings.Pid, settings.Name);
            DotNetProcess.CheckCanAttach(pid);
            processName = DotNetProcess.Describe(pid)?.Name ?? "?";
            title = $"Stacks of {processName} (pid {pid})";
        }

        int samples = settings.DumpPath is null ? settings.Samples : 1;
        if (settings.DumpPath is not null && settings.Samples > 1)
        {
            Log.Warning("A dump holds one snapshot; --samples {Samples} is ignored", settings.Samples);
        }

        using var depot = new Depot(new DepotOptions { MaxFrames = settings.MaxFrames, Name = "stackdepot-cli" });
        var frames = new ClrFrameTable(settings.GroupBy, settings.RuntimeFrames);
        var walker = new StackWalker(frames, settings.MaxFrames);
        var builder = new StackReportBuilder(depot, [samples == 1 ? ReportValueType.Threads : ReportValueType.Samples], frames.Get);
        var budget = TimeSpan.FromMilliseconds(settings.TimeoutMs);
        var stats = new RunStats();
        string runtimeVersion = "?";

        await SampleProgress.RunAsync(samples, settings.Quiet, async report =>
        {
            var clock = new Stopwatch();
            for (int i = 0; i < samples; i++)
            {
                clock.Restart();
                Snapshot snapshot;
                try
                {
                    if (settings.DumpPath is not null)
                    {
                        snapshot = DumpSource.Capture(settings.DumpPath, walker, budget, cancellation, out runtimeVersion);
                    }
                    else
                    {
                        snapshot = LiveSource.Capture(pid, walker, budget, cancellation, out runtimeVersion);
                    }
                }
                catch (SampleTimeoutException e)
                {
                    stats.TimedOut++;
                    Log.Warning("Sample {Index} discarded: {Message} (the target was released)", i + 1, e.Message);
                    report(i + 1, "timed out");
                    await WaitAsync(settings.IntervalMs - clock.ElapsedMilliseconds, i, samples, cancellation).ConfigureAwait(false);
                    continue;
                }
                catch (CliException e) when (stats.Taken > 0 && e.Code == ExitCode.NoSuchProcess)
                {
                    Log.Warning("Process {Pid} exited after {Taken} of {Samples} samples; reporting those", pid, stats.Taken, samples);
                    break;
                }

                stats.Add(snapshot);
                foreach (ThreadStack thread in snapshot.Threads)
                {
                    builder.Add(thread.Frames, thread.ThreadId);
                    stats.Threads.Add(thread.ThreadId);
                }

                report(i + 1, string.Create(CultureInfo.InvariantCulture,
                    $"{snapshot.Threads.Count} threads, {builder.DistinctStacks} distinct stacks") +
                    (settings.DumpPath is null ? string.Create(CultureInfo.InvariantCulture, $", target stopped {snapshot.Frozen.TotalMilliseconds:0.0} ms") : string.Empty));
                await WaitAsync(settings.IntervalMs - clock.ElapsedMilliseconds, i, samples, cancellation).ConfigureAwait(false);
            }

            return 0;
        }).ConfigureAwait(false);

        if (stats.Taken == 0)
        {
            throw new CliException(ExitCode.Timeout,
                $"every sample took longer than --timeout {settings.TimeoutMs} ms; the target was released each time");
        }

        var properties = new Dictionary<string, string>();
        if (settings.DumpPath is not null)
        {
            properties["dump"] = settings.DumpPath;
        }
        else
        {
            properties["pid"] = DotNetProcess.Text(pid);
            properties["process"] = processName;
        }

        properties["runtime"] = ".NET " + runtimeVersion;
        properties["samples"] = stats.Taken.ToString(CultureInfo.InvariantCulture) +
            (stats.TimedOut > 0 ? $" ({stats.TimedOut} more timed out)" : string.Empty) +
            (samples > 1 ? $", every {settings.IntervalMs} ms" : string.Empty);
        properties["threads"] = stats.Threads.Count.ToString(CultureInfo.InvariantCulture) + (samples > 1 ? " distinct" : string.Empty);
        properties["grouped by"] = settings.GroupBy == GroupBy.Method ? "method" : "frame (exact address)";
        if (settings.DumpPath is null)
        {
            properties["target stopped"] = string.Create(CultureInfo.InvariantCulture,
                $"{stats.FrozenTotal.TotalMilliseconds / stats.Taken:0.0} ms per sample (max {stats.FrozenMax.TotalMilliseconds:0.0} ms)");
        }

        if (stats.Truncated > 0)
        {
            properties["truncated stacks"] = $"{stats.Truncated} (longer than --max-frames {settings.MaxFrames})";
        }

        if (stats.StoppedWalks > 0)
        {
            properties["stopped walks"] = $"{stats.StoppedWalks} (stack pointer stopped moving)";
        }

        StackReport result = builder.Build(title, settings.Top, settings.MinCount, properties);
        Log.Debug("{Distinct} distinct stacks, {Symbolized} frames symbolized, depot: {Stats}", builder.DistinctStacks, frames.Symbolized, depot.GetStats());
        StackReportWriter.Write(result, settings.Format, output.Writer);
        output.Commit();
        return ExitCode.Success;
    }

    private static Task WaitAsync(long milliseconds, int index, int samples, CancellationToken cancellation) =>
        index + 1 < samples && milliseconds > 0 ? Task.Delay(TimeSpan.FromMilliseconds(milliseconds), cancellation) : Task.CompletedTask;

    private sealed class RunStats
    {
        public int Taken { get; private set; }

        public int TimedOut { get; set; }

        public int Truncated { get; private set; }

        public int StoppedWalks { get; private set; }

        public TimeSpan FrozenTotal { get; private set; }

        public TimeSpan FrozenMax { get; private set; }

        public HashSet<int> Threads { get; } = [];

        public void Add(Snapshot snapshot)
        {
            Taken++;
            Truncated += snapshot.Truncated;
            StoppedWalks += snapshot.StoppedWalks;
            FrozenTotal += snapshot.Frozen;
            FrozenMax = snapshot.Frozen > FrozenMax ? snapshot.Frozen : FrozenMax;
        }
    }
}
