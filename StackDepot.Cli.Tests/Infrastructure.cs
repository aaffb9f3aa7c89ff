using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using StackDepot.Cli.Hosting;

namespace StackDepot.Cli.Tests;

/// <summary>Paths of the things the tests run, found from the test's own output directory.</summary>
internal static class TestPaths
{
    /// <summary>The repository root (the directory holding StackDepot.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The CLI, copied next to the tests by the project reference.</summary>
    public static string CliDll { get; } = Path.Combine(AppContext.BaseDirectory, "StackDepot.Cli.dll");

    /// <summary>The build configuration of the tests (Release or Debug), from their output directory.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The target program, built by the project reference in the same configuration as the tests.</summary>
    public static string TargetDll
    {
        get
        {
            // .../StackDepot.Cli.Tests/bin/<Configuration>/<tfm>/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = output.Name;
            string configuration = output.Parent!.Name;
            return Path.Combine(RepoRoot, "StackDepot.Cli.Tests.Target", "bin", configuration, tfm, "StackDepot.Cli.Tests.Target.dll");
        }
    }

    public static string SpeedscopeSchema => Path.Combine(RepoRoot, "StackDepot.Cli.Tests", "schema", "node_modules", "speedscope", "dist", "release", "file-format-schema.json");

    public static string SchemaValidator => Path.Combine(RepoRoot, "StackDepot.Cli.Tests", "schema", "validate.js");

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StackDepot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("StackDepot.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>What a CLI run printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs <c>stackdepot</c> as a separate process (as a user would), with a timeout.</summary>
internal static class Cli
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, wrapper: null);

    /// <summary>Runs the CLI, optionally under a wrapper command (for example <c>setpriv</c> to drop privileges).</summary>
    public static async Task<CliResult> RunAsync(string[] args, string[]? wrapper, Action<Process>? started = null)
    {
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var command = new List<string>(wrapper ?? []) { DotnetHost.Find(), TestPaths.CliDll };
        command.AddRange(args);
        info.FileName = command[0];
        foreach (string arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var stderrLines = Channel.CreateUnbounded<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.Append(e.Data).Append('\n');
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.Append(e.Data).Append('\n');
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        started?.Invoke(process);
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"stackdepot {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s:\n{stdout}\n{stderr}");
        }

        process.WaitForExit(); // drain the output events
        lock (stdout)
        {
            lock (stderr)
            {
                return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }
}

/// <summary>A child process whose stdout lines can be awaited one by one.</summary>
internal sealed class LineProcess : IDisposable
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public LineProcess(string fileName, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process = new Process { StartInfo = info };
        Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        Process.ErrorDataReceived += (_, _) => { };
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>The next stdout line that satisfies <paramref name="match"/>, or a timeout.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                string line = await _lines.Reader.ReadAsync(cancel.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching line from pid {Process.Id} within {timeout.TotalSeconds} s");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"pid {Process.Id} closed its output (exited: {Process.HasExited})");
        }
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        Process.Dispose();
    }
}

/// <summary>
/// The test target: five threads parked in FiveChain, three in ThreeChain. Started once for the collection; the
/// tests check after every capture that it still answers (it was not left frozen).
/// </summary>
public sealed class TargetFixture : IAsyncLifetime
{
    private LineProcess? _target;

    public int Pid { get; private set; }

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(TestPaths.TargetDll), "target not built: " + TestPaths.TargetDll);
        _target = new LineProcess(DotnetHost.Find(), [TestPaths.TargetDll]);
        string ready = await _target.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Pid = int.Parse(ready["READY ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(_target.Process.Id, Pid);
    }

    /// <summary>Asserts the target runs: not stopped, and answers a ping.</summary>
    public async Task AssertRunningAsync()
    {
        Assert.NotNull(_target);
        Assert.False(_target.Process.HasExited, "the target exited");
        string state = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal));
        Assert.DoesNotContain("stopped", state, StringComparison.Ordinal);
        Assert.DoesNotContain("tracing stop", state, StringComparison.Ordinal);
        await _target.Process.StandardInput.WriteLineAsync("ping");
        await _target.Process.StandardInput.FlushAsync();
        string pong = await _target.WaitForLineAsync(l => l.StartsWith("pong ", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.StartsWith("pong ", pong);
    }

    public Task DisposeAsync()
    {
        if (_target is not null)
        {
            try
            {
                _target.Process.StandardInput.WriteLine("exit");
                _target.Process.WaitForExit(5000);
            }
            catch (IOException)
            {
            }

            _target.Dispose();
        }

        return Task.CompletedTask;
    }
}

/// <summary>All CLI tests share one target and run one after another (only one tracer can attach at a time).</summary>
[CollectionDefinition("cli")]
public sealed class CliCollection : ICollectionFixture<TargetFixture>;
