using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using Serilog;
using StackDepot.Cli.Targets;

namespace StackDepot.Cli.EventPipe;

/// <summary>
/// What every EventPipe session of the CLI does the same way (<c>alloc</c>, <c>leaks</c> and the <c>eventpipe</c>
/// sampling engine): start it with one-line errors, decode its stream until it ends, stop it, and name the target's
/// methods from its method load and rundown events.
/// </summary>
internal static class EventPipeSessions
{
    /// <summary>Starts a session on the target's runtime; a failure is one error line with its exit code.</summary>
    public static EventPipeSession Start(DiagnosticsClient client, int pid, IReadOnlyCollection<EventPipeProvider> providers, bool requestRundown, int bufferMB)
    {
        try
        {
            return client.StartEventPipeSession(providers, requestRundown, bufferMB);
        }
        catch (Exception e)
        {
            throw DiagnosticsFailure(pid, e);
        }
    }

    /// <summary>The one-line error for a failure to reach the target's diagnostics endpoint.</summary>
    public static CliException DiagnosticsFailure(int pid, Exception e) => e switch
    {
        ServerNotAvailableException unreachable => DotNetProcess.EndpointUnreachable(pid, unreachable),
        UnauthorizedAccessException =>
            new CliException(ExitCode.PermissionDenied, $"no permission to connect to the .NET diagnostics endpoint of process {pid}: run stackdepot as the target's user or as root", e),
        UnsupportedCommandException or ServerErrorException or DiagnosticsClientException =>
            new CliException(ExitCode.Failure, $"the runtime of process {pid} refused the event session: {e.Message}", e),
        _ => new CliException(ExitCode.Failure, $"cannot start an event session in process {pid}: {e.GetType().Name}: {e.Message}", e),
    };

    /// <summary>Decodes the stream until it ends (the session stopped, or the target exited).</summary>
    public static void Process(EventPipeEventSource source, ILogger log)
    {
        try
        {
            source.Process();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The target exited, or the stream was closed after the stop: what arrived is reported.
            log.Debug(e, "Event stream ended");
        }
    }

    /// <summary>Stops a session (its stream then ends, after the rundown when one was asked for).</summary>
    public static async Task StopAsync(EventPipeSession session, int pid, ILogger log)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await session.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ServerNotAvailableException or IOException or OperationCanceledException or ObjectDisposedException or ServerErrorException or TimeoutException)
        {
            // The target exited while the session was being stopped: the stream ends by itself.
            log.Debug(e, "Stopping the session of process {Pid}", pid);
        }
    }

    /// <summary>Feeds <paramref name="methods"/> from the stream's method load, module load and rundown events;
    /// <paramref name="rundownSeen"/> is called when the rundown is complete. <paramref name="gate"/>, when given, is
    /// held around each change (for a map also read by another thread).</summary>
    public static void SubscribeMethods(EventPipeEventSource source, MethodMap methods, Action rundownSeen, object? gate = null)
    {
        gate ??= new object();
        source.Clr.MethodLoadVerbose += data =>
        {
            lock (gate)
            {
                methods.AddMethod((ulong)data.MethodID, data.MethodStartAddress, data.MethodSize, data.MethodNamespace, data.MethodName, data.MethodSignature, (ulong)data.ModuleID, data.MethodToken);
            }
        };
        source.Clr.MethodLoad += data =>
        {
            lock (gate)
            {
                methods.AddRange((ulong)data.MethodID, data.MethodStartAddress, data.MethodSize, (ulong)data.ModuleID);
            }
        };
        source.Clr.LoaderModuleLoad += data =>
        {
            lock (gate)
            {
                methods.AddModule((ulong)data.ModuleID, string.IsNullOrEmpty(data.ModuleILPath) ? data.ModuleNativePath : data.ModuleILPath, data.ManagedPdbSignature);
            }
        };

        var rundown = new ClrRundownTraceEventParser(source);
        rundown.MethodDCStopVerbose += data =>
        {
            lock (gate)
            {
                methods.AddMethod((ulong)data.MethodID, data.MethodStartAddress, data.MethodSize, data.MethodNamespace, data.MethodName, data.MethodSignature, (ulong)data.ModuleID, data.MethodToken);
            }
        };
        rundown.LoaderModuleDCStop += data =>
        {
            lock (gate)
            {
                methods.AddModule((ulong)data.ModuleID, string.IsNullOrEmpty(data.ModuleILPath) ? data.ModuleNativePath : data.ModuleILPath, data.ManagedPdbSignature);
            }
        };
        rundown.MethodDCStopComplete += _ => rundownSeen();
    }
}
