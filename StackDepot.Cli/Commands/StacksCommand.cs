using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using StackDepot.Cli.Options;
using StackDepot.Cli.Output;
using StackDepot.Cli.Sampling;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>
/// <c>stackdepot stacks</c>: snapshots of a process's thread stacks (or a dump's one snapshot), every thread's stack
/// saved once in a <see cref="Depot"/> and counted by handle, frames symbolized once, then one report.
/// </summary>
internal static class StacksCommand
{
    /// <summary>The command: target, sampling and report options, and its action.</summary>
    public static Command Create(CliContext context)
    {
        var target = new TargetOptions(allowDump: true);
        var options = new StacksOptions(context.Formats);
        var command = new Command("stacks", "Sample the thread stacks of a process (or read a dump) and print each distinct stack once, with counts.");
        target.AddTo(command);
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
            (int)await RunAsync(options.Read(parse, target.Read(parse)), context, cancellation).ConfigureAwait(false));
        return command;
    }

    /// <summary>Checks everything that can be checked before the target is touched, samples, writes the report.</summary>
    public static async Task<ExitCode> RunAsync(StacksSettings settings, CliContext context, CancellationToken cancellation)
    {
        // Everything that can be checked before the target is touched: output file, target.
        using OutputFile output = OutputFile.Open(settings.Report.OutputPath, context.Console, settings.Report.Formatter.IsBinary);
        SamplingSettings sampling = settings.Sampling;
        string? dumpPath = settings.Target.DumpPath;
        var properties = new Dictionary<string, string>();
        string title;
        ClrFrameTable frames;
        int? pid = null;
        IStackSource source;
        if (dumpPath is not null)
        {
            DumpSource.Check(dumpPath);
            title = $"Stacks in dump {Path.GetFileName(dumpPath)}";
            properties["dump"] = dumpPath;
            frames = new ClrFrameTable(sampling.GroupBy, sampling.RuntimeFrames, sampling.RawNames);
            source = new DumpSource(dumpPath, new StackWalker(frames, sampling.MaxFrames));
        }
        else
        {
            int live = DotNetProcess.Resolve(settings.Target.Pid, settings.Target.Name);
            DotNetProcess.CheckCanAttach(live);
            string processName = DotNetProcess.Describe(live)?.Name ?? "?";
            title = $"Stacks of {processName} (pid {live})";
            properties["pid"] = DotNetProcess.Text(live);
            properties["process"] = processName;
            // The target's files (assemblies, PDBs) as it sees them, also inside a container.
            string? root = OperatingSystem.IsLinux() ? $"/proc/{DotNetProcess.Text(live)}/root" : null;
            frames = new ClrFrameTable(sampling.GroupBy, sampling.RuntimeFrames, sampling.RawNames, root);
            source = new LiveSource(live, new StackWalker(frames, sampling.MaxFrames), context.Log);
            pid = live;
        }

        using ClrFrameTable closeFrames = frames;

        int samples = dumpPath is null ? sampling.Samples : 1;
        if (dumpPath is not null && sampling.Samples > 1)
        {
            context.Log.Warning("A dump holds one snapshot; --samples {Samples} is ignored", sampling.Samples);
        }

        // One more frame than --max-frames: a cut stack ends with the (truncated) marker.
        using var depot = new Depot(new DepotOptions { MaxFrames = sampling.MaxFrames + 1, Name = "stackdepot-cli" });
        var builder = new StackReportBuilder(depot, [samples == 1 ? ReportValueType.Threads : ReportValueType.Samples], source.GetFrame);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        long startTicks = Stopwatch.GetTimestamp();
        SampleRunStats stats = await SampleProgress.RunAsync(context.Console, samples, settings.Quiet, progress =>
            StackSampler.RunAsync(source, samples, TimeSpan.FromMilliseconds(sampling.IntervalMs), TimeSpan.FromMilliseconds(sampling.TimeoutMs),
                builder, progress, context.Log, cancellation)).ConfigureAwait(false);
        TimeSpan duration = Stopwatch.GetElapsedTime(startTicks);
        if (stats.Taken == 0)
        {
            throw new CliException(ExitCode.Timeout,
                $"every sample took longer than --timeout {sampling.TimeoutMs} ms; the target was released each time");
        }

        properties["runtime"] = ".NET " + source.RuntimeVersion;
        properties["samples"] = stats.Taken.ToString(CultureInfo.InvariantCulture) +
            (stats.TimedOut > 0 ? $" ({stats.TimedOut} more timed out)" : string.Empty) +
            (samples > 1 ? $", every {sampling.IntervalMs} ms" : string.Empty);
        properties["threads"] = stats.Threads.Count.ToString(CultureInfo.InvariantCulture) + (samples > 1 ? " distinct" : string.Empty);
        properties["grouped by"] = sampling.GroupBy == GroupBy.Method ? "method" : "frame (exact address)";
        if (source.StopsTarget)
        {
            properties["target stopped"] = string.Create(CultureInfo.InvariantCulture,
                $"{stats.FrozenTotal.TotalMilliseconds / stats.Taken:0.0} ms per sample (max {stats.FrozenMax.TotalMilliseconds:0.0} ms)");
        }

        if (stats.Truncated > 0)
        {
            properties["truncated stacks"] = $"{stats.Truncated} (longer than --max-frames {sampling.MaxFrames})";
        }

        if (stats.StoppedWalks > 0)
        {
            properties["stopped walks"] = $"{stats.StoppedWalks} (stack pointer stopped moving)";
        }

        StackReport result = builder.Build(title, settings.Report.Top, settings.Report.MinCount, properties) with
        {
            Producer = CliVersion.Producer,
            StartTime = dumpPath is null ? started : null,
            Duration = dumpPath is null ? duration : null,
            PeriodType = ReportValueType.Threads,
            Period = 1, // every thread of every snapshot is counted
            ThreadNames = pid is int id ? ThreadNames.Read(id, stats.Threads) : new Dictionary<int, string>(),
        };
        context.Log.Debug("{Distinct} distinct stacks, {Symbolized} frames symbolized, depot: {Stats}", builder.DistinctStacks, frames.Symbolized, depot.GetStats());
        output.Write(stream => StackReportWriter.Write(result, settings.Report.Formatter, stream));
        return ExitCode.Success;
    }
}
