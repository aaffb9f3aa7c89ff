using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;
using Serilog;
using StackDepot.Cli.Output;

namespace StackDepot.Cli.Allocations;

/// <summary>
/// A program started under the tool (<c>stackdepot alloc -- command args</c>), as <c>dotnet-trace collect --</c>
/// starts one: the child gets <c>DOTNET_DiagnosticPorts</c> naming a socket this process listens on, so its runtime
/// connects here first and waits, suspended, before running any managed code; a session started then sees every
/// allocation from the first. The child's stdout is forwarded to stderr (stdout carries the report); its stdin and
/// stderr are this process's.
/// </summary>
internal sealed class LaunchedTarget : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DiagnosticsClientConnector _connector;
    private readonly string _directory;
    private readonly ILogger _log;

    private LaunchedTarget(Process process, DiagnosticsClientConnector connector, string directory, ILogger log)
    {
        _process = process;
        _connector = connector;
        _directory = directory;
        _log = log;
    }

    /// <summary>How long a started program's runtime has to connect before the program is taken for not .NET.</summary>
    public static TimeSpan ConnectTimeout { get; } = TimeSpan.FromSeconds(15);

    /// <summary>The child's pid.</summary>
    public int Pid => _process.Id;

    /// <summary>The client connected to the child's suspended runtime.</summary>
    public DiagnosticsClient Client => _connector.Instance;

    /// <summary>The name to show: the program's file name (the dll for <c>dotnet app.dll</c>).</summary>
    public string Name { get; private init; } = string.Empty;

    /// <summary>Starts <paramref name="command"/> and waits until its runtime connects, suspended.</summary>
    /// <exception cref="CliException">The command cannot start, exits first, or its runtime does not connect.</exception>
    /// <param name="command">The program and its arguments.</param>
    /// <param name="console">Where the program's stdout is forwarded (its error stream).</param>
    /// <param name="log">Details.</param>
    /// <param name="cancellation">Gives up waiting for the runtime (the program is ended).</param>
    public static async Task<LaunchedTarget> StartAsync(IReadOnlyList<string> command, ICliConsole console, ILogger log, CancellationToken cancellation)
    {
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new CliException(Cli.ExitCode.Usage, "give the command to start after --");
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableDiagnostics") == "0")
        {
            throw new CliException(Cli.ExitCode.NotDotNet,
                $"DOTNET_EnableDiagnostics=0 is set, so the runtime of '{command[0]}' would not connect to stackdepot; unset it");
        }

        // A directory only this user can enter, so no other user can connect to the port first.
        DirectoryInfo directory = Directory.CreateTempSubdirectory("stackdepot-");
        string port = Path.Combine(directory.FullName, "port.sock");
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        Task<DiagnosticsClientConnector> connecting = DiagnosticsClientConnector.FromDiagnosticPort(port, connectTimeout.Token);

        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_DiagnosticPorts"] = port; // connect mode, suspended until resumed
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                console.Error.WriteLine(e.Data);
            }
        };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            await connectTimeout.CancelAsync().ConfigureAwait(false);
            await Ignore(connecting).ConfigureAwait(false);
            process.Dispose();
            Remove(directory.FullName);
            throw new CliException(Cli.ExitCode.CommandFailed, $"cannot start '{command[0]}': {e.Message}", e);
        }

        process.BeginOutputReadLine();
        Task exited = process.WaitForExitAsync(CancellationToken.None);
        Task delay = Task.Delay(ConnectTimeout, cancellation);
        Task first = await Task.WhenAny(connecting, exited, delay).ConfigureAwait(false);
        if (first != connecting || !connecting.IsCompletedSuccessfully)
        {
            await connectTimeout.CancelAsync().ConfigureAwait(false);
            await Ignore(connecting).ConfigureAwait(false);
            string reason = first == exited
                ? $"'{command[0]}' (pid {process.Id}) exited with code {process.ExitCode} before its .NET runtime connected: not a .NET program, or it failed at once"
                : cancellation.IsCancellationRequested
                    ? "interrupted before the program's runtime connected"
                    : $"the runtime of '{command[0]}' (pid {process.Id}) did not connect within {ConnectTimeout.TotalSeconds:0} s: not a .NET program? It was ended";
            Kill(process);
            process.Dispose();
            Remove(directory.FullName);
            throw first == exited
                ? new CliException(Cli.ExitCode.CommandFailed, reason)
                : cancellation.IsCancellationRequested ? new OperationCanceledException(reason, cancellation) : new CliException(Cli.ExitCode.NotDotNet, reason);
        }

        string name = Path.GetFileNameWithoutExtension(command[0]);
        if (string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase) && command.Skip(1).FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) is { } dll)
        {
            name = Path.GetFileNameWithoutExtension(dll);
        }

        return new LaunchedTarget(process, await connecting.ConfigureAwait(false), directory.FullName, log) { Name = name };
    }

    /// <summary>True once the program has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Ends the program if it still runs (the session is over), then releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _log.Information("Ending the program started under stackdepot (pid {Pid})", _process.Id);
            Kill(_process);
        }

        await _connector.DisposeAsync().ConfigureAwait(false);
        _process.Dispose();
        Remove(_directory);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
        }
    }

    private static async Task Ignore(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or TimeoutException)
        {
        }
    }

    private static void Remove(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
