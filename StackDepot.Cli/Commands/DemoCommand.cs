using System.CommandLine;
using StackDepot.Cli.Hosting;
using StackDepot.Cli.Options;

namespace StackDepot.Cli.Commands;

/// <summary><c>stackdepot demo</c>: starts the bundled workload, samples it, prints the report and stops it.</summary>
internal static class DemoCommand
{
    /// <summary>Where the build puts the workload, relative to the CLI's own files.</summary>
    public static string WorkloadPath => Path.Combine(AppContext.BaseDirectory, "demo", "DemoWorkload.dll");

    /// <summary>The command: the sampling and report options of <c>stacks</c> (5 samples by default), no target.</summary>
    public static Command Create(CliContext context)
    {
        var options = new StacksOptions(context.Formats, defaultSamples: 5);
        var command = new Command("demo", "Start the bundled demo workload, sample it, print the report and stop it. No arguments needed.");
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
            (int)await RunAsync(options.Read(parse, new TargetSelection()), context, cancellation).ConfigureAwait(false));
        return command;
    }

    /// <summary>Starts the workload, runs <c>stacks</c> on it with <paramref name="settings"/>, stops it.</summary>
    public static async Task<ExitCode> RunAsync(StacksSettings settings, CliContext context, CancellationToken cancellation)
    {
        string dll = WorkloadPath;
        if (!File.Exists(dll))
        {
            throw new CliException(ExitCode.Failure, $"the demo workload is missing ({dll}); rebuild StackDepot.Cli");
        }

        using ChildProcess child = ChildProcess.StartDll(dll, "READY", line => context.Log.Debug("workload: {Line}", line));
        try
        {
            try
            {
                await child.WaitReadyAsync(TimeSpan.FromSeconds(30), cancellation).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new CliException(ExitCode.Timeout, $"the demo workload (pid {child.Pid}) did not get ready: {e.Message}", e);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(ExitCode.Failure, $"the demo workload failed to start: {e.Message}", e);
            }

            if (!settings.Quiet)
            {
                SamplingSettings sampling = settings.Sampling;
                string how = sampling.Samples is { } samples ? $"{samples} times, {sampling.PaceText}"
                    : sampling.Duration is { } duration ? $"for {DurationText.Format(duration)}, {sampling.PaceText}"
                    : $"{sampling.PaceText} until Ctrl-C";
                context.Console.Error.WriteLine($"stackdepot: demo workload running as pid {child.ReadyPid}; sampling it {how}");
            }

            return await StacksCommand.RunAsync(settings with { Target = new TargetSelection { Pid = child.ReadyPid } }, context, cancellation).ConfigureAwait(false);
        }
        finally
        {
            await child.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
    }
}
