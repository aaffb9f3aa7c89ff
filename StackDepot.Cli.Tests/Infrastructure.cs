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

    /// <summary>
    /// A wrapper for runs a test interrupts with SIGINT: the signal's default handling, restored. A shell starts its
    /// background jobs (<c>cmd &amp;</c> without job control: a CI script, <c>nohup</c>) with SIGINT ignored, children
    /// inherit that, and the .NET runtime leaves a signal ignored at start ignored: Ctrl-C would never reach the CLI.
    /// </summary>
    public static readonly string[] WithDefaultSigint = ["env", "--default-signal=INT"];

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, wrapper: null);

    /// <summary>Runs the CLI, optionally under a wrapper command (for example <c>setpriv</c> to drop privileges), from
    /// another copy of its files (<paramref name="cliDll"/>) and another working directory.</summary>
    public static async Task<CliResult> RunAsync(string[] args, string[]? wrapper, Action<Process>? started = null, string? cliDll = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        var command = new List<string>(wrapper ?? []) { DotnetHost.Find(), cliDll ?? TestPaths.CliDll };
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

    public LineProcess(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
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

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
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
public sealed class TargetFixture : TargetProcessFixture
{
    protected override string[] Arguments => [];
}

/// <summary>A test target process started once for a fixture: its pid, its <c>READY</c> words, and the running check.</summary>
public abstract class TargetProcessFixture : IAsyncLifetime
{
    private LineProcess? _target;

    public int Pid { get; private set; }

    /// <summary>The target's arguments.</summary>
    protected abstract string[] Arguments { get; }

    /// <summary>Starts the target with <paramref name="arguments"/> and waits for its <c>READY pid ...</c> line.</summary>
    /// <returns>The process and the words after <c>READY</c> (the pid first).</returns>
    internal static async Task<(LineProcess Process, string[] Words)> StartAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        Assert.True(File.Exists(TestPaths.TargetDll), "target not built: " + TestPaths.TargetDll);
        var target = new LineProcess(DotnetHost.Find(), [TestPaths.TargetDll, .. arguments], environment);
        string ready = await target.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        string[] words = ready.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.Equal(target.Process.Id, int.Parse(words[0], System.Globalization.CultureInfo.InvariantCulture));
        return (target, words);
    }

    public async Task InitializeAsync()
    {
        (_target, string[] words) = await StartAsync(Arguments);
        Pid = _target.Process.Id;
        OnReady(words);
    }

    /// <summary>Asserts the target runs: not stopped, and answers a ping.</summary>
    public Task AssertRunningAsync()
    {
        Assert.NotNull(_target);
        return TargetChecks.AssertRunningAsync(_target, Pid);
    }

    public Task DisposeAsync()
    {
        TargetChecks.Stop(_target);
        return Task.CompletedTask;
    }

    /// <summary>Reads what the target said after <c>READY</c> (the pid first).</summary>
    protected virtual void OnReady(string[] words)
    {
    }
}

/// <summary>Checks shared by the target fixtures.</summary>
internal static class TargetChecks
{
    /// <summary>Asserts a target runs: not exited, no thread stopped (a sampler stops and releases threads one by one),
    /// and answers a ping with a pong.</summary>
    public static async Task AssertRunningAsync(LineProcess target, int pid)
    {
        Assert.False(target.Process.HasExited, "the target exited");
        Assert.Empty(ThreadStates.Stopped(pid));
        await target.Process.StandardInput.WriteLineAsync("ping");
        await target.Process.StandardInput.FlushAsync();
        string pong = await target.WaitForLineAsync(l => l.StartsWith("pong ", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.StartsWith("pong ", pong);
    }

    /// <summary>Asks a target to exit (closing its input), then kills it if it does not.</summary>
    public static void Stop(LineProcess? target)
    {
        if (target is null)
        {
            return;
        }

        try
        {
            if (!target.Process.HasExited)
            {
                target.Process.StandardInput.WriteLine("exit");
                target.Process.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
        }

        target.Dispose();
    }
}

/// <summary>The test target in its <c>names</c> scenario: also one thread parked in each code shape of the naming tests.</summary>
public sealed class NamesTargetFixture : TargetProcessFixture
{
    protected override string[] Arguments => ["names"];
}

/// <summary>All CLI tests share one target and run one after another (only one tracer can attach at a time).</summary>
[CollectionDefinition("cli")]
public sealed class CliCollection : ICollectionFixture<TargetFixture>;
