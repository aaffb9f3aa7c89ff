using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using StackDepot.Cli.Commands;
using StackDepot.Cli.EventPipe;
using StackDepot.Cli.Options;
using StackDepot.Cli.Output;
using StackDepot.Cli.Sampling;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Allocations;

/// <summary>
/// <c>stackdepot alloc</c> and <c>leaks</c> from start to end: check the output and the target, run one EventPipe
/// session (attached to a running process, or on a program started under the tool), then write one report, also when
/// the session ends early (Ctrl-C, the target exiting).
/// </summary>
internal static class AllocationRunner
{
    public static async Task<ExitCode> RunAsync(AllocationSettings settings, CliContext context, CancellationToken cancellation)
    {
        if (settings.Duration <= TimeSpan.Zero && settings.Duration != Timeout.InfiniteTimeSpan)
        {
            throw new CliException(ExitCode.Usage, "--duration must be positive");
        }

        TargetSelection target = settings.Target;
        int given = (target.Pid is null ? 0 : 1) + (target.Name is null ? 0 : 1) + (target.Command is null ? 0 : 1);
        if (given != 1 || target.DumpPath is not null)
        {
            throw new CliException(ExitCode.Usage, given == 0
                ? "give a target: --pid N, --name NAME or -- COMMAND [ARGS]"
                : "give only one target: --pid, --name or -- COMMAND");
        }

        // Everything that can be checked before the target is touched: arguments, output file, target.
        ReportSettings report = settings.Report;
        using OutputFile output = OutputFile.Open(report.OutputPath, context.Console, report.Formatter.IsBinary);
        using var depot = new Depot(new DepotOptions { MaxFrames = settings.MaxFrames, Name = "stackdepot-alloc" });
        var recorder = new AllocationRecorder(depot);
        var methods = new MethodMap();
        bool collectAtEnd = settings.View != AllocationView.Allocated;
        SessionOutcome outcome;
        int pid;
        string processName;
        if (target.Command is { } command)
        {
            await using LaunchedTarget launched = await LaunchedTarget.StartAsync(command, context.Console, context.Log, cancellation).ConfigureAwait(false);
            pid = launched.Pid;
            processName = launched.Name;
            Announce(settings, context, $"started {processName} as pid {pid}");
            outcome = await AllocationSession.RunAsync(launched.Client, pid, recorder, methods, settings.Duration, resumeRuntime: true, collectAtEnd,
                Progress(settings, context, recorder), context.Log, cancellation).ConfigureAwait(false);
        }
        else
        {
            pid = DotNetProcess.Resolve(target.Pid, target.Name);
            DotNetProcess.CheckIsProcess(pid);

            processName = DotNetProcess.Describe(pid)?.Name ?? "?";
            outcome = await AllocationSession.RunAsync(new DiagnosticsClient(pid), pid, recorder, methods, settings.Duration, resumeRuntime: false, collectAtEnd,
                Progress(settings, context, recorder), context.Log, cancellation).ConfigureAwait(false);
        }

        if (outcome.End == SessionEnd.Interrupted)
        {
            Announce(settings, context, "interrupted: reporting what was recorded");
        }

        if (recorder.FromTicks)
        {
            context.Log.Warning("The target's runtime sends no AllocationSampled events (it is older than .NET 10): the estimates come from AllocationTick events and are biased toward the objects that cross its 100 KB lines");
        }

        if (outcome.EventsLost > 0)
        {
            context.Log.Warning("{Lost} events were lost (the runtime's {Buffer} MB session buffer overflowed): the estimates are too low by about that many samples", outcome.EventsLost, AllocationSession.BufferMB);
        }

        // The target's files (assemblies for names) as it sees them, also inside a container, while it runs.
        using var namer = new ClrFrameNamer(settings.RawNames, OperatingSystem.IsLinux() && DotNetProcess.Exists(pid) ? $"/proc/{DotNetProcess.Text(pid)}/root" : null);
        StackReport result = AllocationReport.Build(recorder, methods, settings.View, Title(settings.View, processName, pid), report.Top, report.MinCount,
            Properties(pid, processName, recorder, outcome, methods), namer, settings.RuntimeFrames) with { MainModule = processName };
        context.Log.Debug("{Stacks} distinct stacks, {Methods} methods, depot: {Stats}", recorder.DistinctStacks, methods.Methods, depot.GetStats());
        output.WriteReport(result, report.Formatter);
        return ExitCode.Success;
    }

    private static string Title(AllocationView view, string process, int pid) => view switch
    {
        AllocationView.Allocated => $"Allocations of {process} (pid {pid})",
        AllocationView.Live => $"Live objects of {process} (pid {pid}), by allocating stack",
        _ => $"Leaks in {process} (pid {pid}): allocating stacks whose sampled objects are still alive",
    };

    private static Dictionary<string, string> Properties(int pid, string process, AllocationRecorder recorder, SessionOutcome outcome, MethodMap methods)
    {
        string end = outcome.End switch
        {
            SessionEnd.Duration => "duration reached",
            SessionEnd.Interrupted => "interrupted",
            _ => "target exited",
        };
        return new Dictionary<string, string>
        {
            ["pid"] = DotNetProcess.Text(pid),
            ["process"] = process,
            ["source"] = recorder.FromTicks
                ? "AllocationTick events (before .NET 10: biased estimates)"
                : $"AllocationSampled events (each byte sampled with p = 1/{AllocationRecorder.RuntimeSamplingRate:N0}; unbiased estimates)",
            ["recorded"] = string.Create(CultureInfo.InvariantCulture, $"{outcome.Elapsed.TotalSeconds:0.0} s ({end})"),
            ["samples"] = string.Create(CultureInfo.InvariantCulture,
                $"{(recorder.FromTicks ? recorder.Ticks : recorder.Samples):N0} ({outcome.EventsLost:N0} events lost)"),
            ["collections"] = string.Create(CultureInfo.InvariantCulture, $"{recorder.Collections:N0} ({recorder.Gen2Collections:N0} gen2)"),
            ["sampled objects alive"] = recorder.TrackedObjects.ToString("N0", CultureInfo.InvariantCulture),
            ["methods"] = methods.Methods.ToString("N0", CultureInfo.InvariantCulture) +
                (outcome.RundownComplete ? string.Empty : " (no rundown received: methods compiled before the session may be unresolved)"),
        };
    }

    private static Action<TimeSpan>? Progress(AllocationSettings settings, CliContext context, AllocationRecorder recorder)
    {
        if (settings.Quiet)
        {
            return null;
        }

        string total = settings.Duration == Timeout.InfiniteTimeSpan ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"/{settings.Duration.TotalSeconds:0}");
        TextWriter error = context.Console.Error;
        return elapsed => error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stackdepot: {elapsed.TotalSeconds:0}{total} s: {recorder.Samples + recorder.Ticks:N0} samples, {recorder.DistinctStacks:N0} distinct stacks"));
    }

    private static void Announce(AllocationSettings settings, CliContext context, string message)
    {
        if (!settings.Quiet)
        {
            context.Console.Error.WriteLine("stackdepot: " + message);
        }
    }
}
