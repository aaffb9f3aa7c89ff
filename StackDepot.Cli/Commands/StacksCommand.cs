using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using StackDepot.Cli.Async;
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
        var asyncOption = new Option<string?>("--async")
        {
            Description = "Logical (async) stacks: every pending async operation from what it awaits out to its root, from a walk of the GC heap " +
                          "(one snapshot; a dump must be a heap dump). 'both' adds the thread stacks and joins a thread blocked on a task to that task's stack",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "only|both",
        };
        asyncOption.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: not ("only" or "both") } token])
            {
                result.AddError($"--async takes one of only, both, not '{token.Value}'");
            }
        });
        var command = new Command("stacks", "Sample the thread stacks of a process (or read a dump) and print each distinct stack once, with counts.");
        target.AddTo(command);
        options.AddTo(command);
        command.Add(asyncOption);
        command.SetAction(async (parse, cancellation) =>
        {
            StacksSettings settings = options.Read(parse, target.Read(parse)) with
            {
                Async = parse.GetResult(asyncOption) is null ? AsyncMode.Off : parse.GetValue(asyncOption) == "both" ? AsyncMode.Both : AsyncMode.Only,
            };
            return (int)await RunAsync(settings, context, cancellation).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Checks everything that can be checked before the target is touched, samples, writes the report.</summary>
    public static async Task<ExitCode> RunAsync(StacksSettings settings, CliContext context, CancellationToken cancellation)
    {
        // Everything that can be checked before the target is touched: output file, target.
        using OutputFile output = OutputFile.Open(settings.Report.OutputPath, context.Console, settings.Report.Formatter.IsBinary);
        SamplingSettings sampling = settings.Sampling;
        StacksTarget target = StacksTarget.Resolve(settings.Target);
        if (settings.Async != AsyncMode.Off)
        {
            return await AsyncStacks.RunAsync(settings, target, output, context, cancellation).ConfigureAwait(false);
        }

        string? dumpPath = target.DumpPath;
        var properties = new Dictionary<string, string>(target.Properties);
        string title = "Stacks " + target.Subject;
        int? pid = target.Pid;
        var frames = new ClrFrameTable(sampling.GroupBy, sampling.RuntimeFrames, sampling.RawNames, target.FileSystemRoot);
        var walker = new StackWalker(frames, sampling.MaxFrames);
        IStackSource source = pid is { } live ? new LiveSource(live, walker, context.Log) : new DumpSource(dumpPath!, walker);

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

        if (stats.ThreadPool is { } pool)
        {
            properties["thread pool"] = pool.Describe() + (samples > 1 ? " (last sample)" : string.Empty);
        }

        if (stats.LockBlockedThreads > 0)
        {
            properties["blocked on locks"] = string.Create(CultureInfo.InvariantCulture,
                $"{stats.LockBlockedThreads} thread{(stats.LockBlockedThreads == 1 ? string.Empty : "s")}{(samples > 1 ? " (last sample)" : string.Empty)}");
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
            StartTime = dumpPath is null ? started : null,
            Duration = dumpPath is null ? duration : null,
            PeriodType = ReportValueType.Threads,
            MainModule = target.MainModule,
            Period = 1, // every thread of every snapshot is counted
            ThreadNames = pid is int id ? ThreadNames.Read(id, stats.Threads) : new Dictionary<int, string>(),
        };
        context.Log.Debug("{Distinct} distinct stacks, {Symbolized} frames symbolized, depot: {Stats}", builder.DistinctStacks, frames.Symbolized, depot.GetStats());
        output.WriteReport(result, settings.Report.Formatter);
        return ExitCode.Success;
    }
}
