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
/// saved once in a <see cref="Depot"/> and counted by handle, frames symbolized once, then one report. A run that is
/// interrupted, or whose target exits, still reports what it collected.
/// </summary>
internal static class StacksCommand
{
    /// <summary>Above this part of the run spent stopped, the run warns on stderr.</summary>
    internal const double StoppedWarningFraction = 0.10;

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
        using SampledTarget sampled = SampledTarget.Open(target, sampling, context.Log);
        IStackSource source = sampled.Source;
        SamplingPlan plan = sampled.Plan;
        if (dumpPath is not null && (sampling.Samples is not 1 || sampling.Duration is not null))
        {
            context.Log.Warning("A dump holds one snapshot; --samples, --duration and --rate are ignored");
        }

        using var depot = new Depot(new DepotOptions { MaxFrames = SampledTarget.DepotFrames(sampling), Name = "stackdepot-cli" });
        var builder = sampled.CreateBuilder(depot, plan.MaxSamples == 1 ? ReportValueType.Threads : ReportValueType.Samples);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        SampleRunStats stats = await SampleProgress.RunAsync(context.Console, plan, settings.Quiet, progress =>
            StackSampler.RunAsync(source, plan, builder, sampled.Shaper, progress, context.Log, cancellation)).ConfigureAwait(false);
        if (stats.Taken == 0)
        {
            if (stats.Interrupted)
            {
                throw new CliException(context.InterruptCode(), $"interrupted by {context.InterruptName} before the first sample; the target was released");
            }

            throw new CliException(ExitCode.Timeout,
                $"every sample took longer than --timeout {sampling.TimeoutMs} ms; the target was released each time");
        }

        properties["runtime"] = ".NET " + source.RuntimeVersion;
        properties["engine"] = source.Engine;
        Describe(stats, plan, sampling, source, properties);
        if (source.StopsTarget && stats.Taken > 1 && stats.StoppedFraction > StoppedWarningFraction)
        {
            context.Log.Warning(
                "The target was stopped {Percent} of the run ({Median} ms per sample, median); sample less often (--rate, --interval) to disturb it less",
                ReportPercent(stats.StoppedFraction), Milliseconds(stats.FrozenMedian));
        }

        StackReport result = builder.Build(title, settings.Report.Top, settings.Report.MinCount, properties) with
        {
            StartTime = dumpPath is null ? started : null,
            Duration = dumpPath is null ? stats.Elapsed : null,
            PeriodType = ReportValueType.Threads,
            MainModule = target.MainModule,
            Period = 1, // every thread of every snapshot is counted
            ThreadNames = sampled.ThreadNamesOf(stats.Threads),
        };
        context.Log.Debug("{Distinct} distinct stacks, depot: {Stats}", builder.DistinctStacks, depot.GetStats());
        output.WriteReport(result, settings.Report.Formatter);
        if (stats.Interrupted)
        {
            context.Console.Error.WriteLine(
                $"stackdepot: interrupted by {context.InterruptName} after {stats.Taken} samples; the target was released and the report of those samples written");
            return context.InterruptCode();
        }

        return ExitCode.Success;
    }

    /// <summary>The header facts of a run: samples and pace, threads, grouping, stop times, what went wrong.</summary>
    internal static void Describe(SampleRunStats stats, SamplingPlan plan, SamplingSettings sampling, IStackSource source, Dictionary<string, string> properties)
    {
        string samples = stats.Taken.ToString(CultureInfo.InvariantCulture) +
            (stats.TimedOut > 0 ? $" ({stats.TimedOut} more timed out)" : string.Empty);
        if (plan.MaxSamples != 1)
        {
            samples += string.Create(CultureInfo.InvariantCulture,
                $", {sampling.PaceText} asked, {stats.AchievedRate:0.#} per second achieved over {DurationText.Format(stats.Elapsed)}");
        }

        properties["samples"] = samples;
        if (stats.TargetExited)
        {
            properties["ended"] = $"{source.Target} exited after {stats.Taken} samples";
        }
        else if (stats.Interrupted)
        {
            properties["ended"] = $"interrupted after {stats.Taken} samples";
        }

        properties["threads"] = stats.Threads.Count.ToString(CultureInfo.InvariantCulture) + (plan.MaxSamples != 1 ? " distinct" : string.Empty);
        properties["grouped by"] = sampling.GroupBy switch
        {
            GroupBy.Frame => "frame (exact address)",
            GroupBy.ThreadName => "thread name, then method",
            _ => "method",
        };
        if (source.StopsTarget)
        {
            properties["target stopped"] = stats.Taken == 1
                ? $"{Milliseconds(stats.FrozenMax)} ms"
                : $"{Milliseconds(stats.FrozenMedian)} ms per sample (median), {Milliseconds(stats.FrozenMax)} ms worst, {ReportPercent(stats.StoppedFraction)} of the run";
        }

        if (stats.Unreadable.Count > 0)
        {
            properties["unreadable threads"] = string.Join("; ", stats.Unreadable.OrderBy(u => u.Key).Select(u =>
                $"{u.Key} ({source.DescribeThread(u.Key).Label}): {u.Value.Reason}" +
                (stats.Taken > 1 ? $" (in {u.Value.Snapshots} of {stats.Taken} samples)" : string.Empty)));
        }

        if (stats.ThreadPool is { } pool)
        {
            properties["thread pool"] = pool.Describe() + (stats.Taken > 1 ? " (last sample)" : string.Empty);
        }

        if (stats.LockBlockedThreads > 0)
        {
            properties["blocked on locks"] = string.Create(CultureInfo.InvariantCulture,
                $"{stats.LockBlockedThreads} thread{(stats.LockBlockedThreads == 1 ? string.Empty : "s")}{(stats.Taken > 1 ? " (last sample)" : string.Empty)}");
        }

        if (stats.Truncated > 0)
        {
            properties["truncated stacks"] = $"{stats.Truncated} (longer than --max-frames {sampling.MaxFrames})";
        }

        if (stats.StoppedWalks > 0)
        {
            properties["stopped walks"] = $"{stats.StoppedWalks} (stack pointer stopped moving)";
        }
    }

    private static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);

    private static string ReportPercent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
