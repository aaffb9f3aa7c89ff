using Serilog;
using StackDepot.Cli.Hosting;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Commands;

/// <summary><c>stackdepot demo</c>: starts the bundled workload, samples it, prints the report and stops it.</summary>
internal static class DemoCommand
{
    /// <summary>Where the build puts the workload, relative to the CLI's own files.</summary>
    public static string WorkloadPath => Path.Combine(AppContext.BaseDirectory, "demo", "DemoWorkload.dll");

    public static async Task<ExitCode> RunAsync(StacksSettings settings, CancellationToken cancellation)
    {
        string dll = WorkloadPath;
        if (!File.Exists(dll))
        {
            throw new CliException(ExitCode.Failure, $"the demo workload is missing ({dll}); rebuild StackDepot.Cli");
        }

        using ChildProcess child = ChildProcess.StartDll(dll, "READY", line => Log.Debug("workload: {Line}", line));
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
                Console.Error.WriteLine($"stackdepot: demo workload running as pid {child.ReadyPid}; sampling it {settings.Samples} times");
            }

            return await StacksRunner.RunAsync(settings with { Pid = child.ReadyPid }, cancellation).ConfigureAwait(false);
        }
        finally
        {
            await child.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
    }
}
