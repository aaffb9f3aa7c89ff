using System.Globalization;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>
/// Usage, validation and the checks made before a target is touched, run in-process: each case is one line on
/// stderr, nothing on stdout and a documented exit code. Cases that need no real target use stackdepot's own pid
/// (refused with exit 2 only after the other checks), so a check that ran too late shows as the wrong code.
/// </summary>
public sealed class ArgumentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackdepot-args-").FullName;

    private static string OwnPid => Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("stacks")]
    [InlineData("stacks", "--pid", "1", "--dump", "x.core")]
    [InlineData("stacks", "--pid", "1", "--name", "x")]
    [InlineData("stacks", "--pid", "1", "--samples", "0")]
    [InlineData("stacks", "--pid", "1", "--interval", "-1")]
    [InlineData("stacks", "--pid", "1", "--format", "xml")]
    [InlineData("stacks", "--pid", "1", "--group-by", "line")]
    [InlineData("stacks", "--pid", "1", "--max-frames", "0")]
    [InlineData("stacks", "--pid", "1", "--max-frames", "65536")] // one frame is kept for the (truncated) marker
    [InlineData("stacks", "--pid", "1", "--top", "-1")]
    [InlineData("stacks", "--pid", "1", "--timeout", "0")]
    [InlineData("stacks", "--pid", "1", "--async", "bogus")]
    [InlineData("stacks", "--pid", "nope")]
    [InlineData("stacks", "--pid", "1", "--bogus")]
    [InlineData("stacks", "extra")]
    [InlineData("dump", "--pid", "1")]
    [InlineData("dump", "-o", "x.core")]
    [InlineData("dump", "-o", "x.core", "--pid", "1", "--type", "huge")]
    [InlineData("dump", "-o", "x.core", "--pid", "1", "--dump", "y.core")]
    [InlineData("demo", "--pid", "1")]
    [InlineData("frobnicate")]
    [InlineData()]
    public async Task Bad_arguments_are_exit_2(params string[] args)
    {
        CliResult result = await InProcessCli.RunAsync(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("--help", result.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("give a target: --pid N, --name NAME or --dump FILE", "stacks")]
    [InlineData("give only one target: --pid N, --name NAME or --dump FILE", "stacks", "--pid", "1", "--dump", "x.core")]
    [InlineData("give a target: --pid N or --name NAME", "dump", "-o", "x.core")]
    [InlineData("--max-frames must be between 1 and 65535, not 0", "stacks", "--pid", "1", "--max-frames", "0")]
    [InlineData("--samples must be at least 1, not 0", "stacks", "--pid", "1", "--samples", "0")]
    [InlineData("(see 'stackdepot stacks --help')", "stacks", "--pid", "1", "--bogus")]
    [InlineData("--async takes one of only, both, not 'threads'", "stacks", "--pid", "1", "--async", "threads")]
    [InlineData("--format takes one of text, tree, folded, speedscope, json, pprof, not 'xml' (see 'stackdepot stacks --help')", "stacks", "--pid", "1", "--format", "xml")]
    [InlineData("--group-by takes one of method, frame, thread-name, not 'line'", "stacks", "--pid", "1", "--group-by", "line")]
    [InlineData("--view takes one of allocated, live, not 'dead'", "alloc", "--pid", "1", "--view", "dead")]
    [InlineData("--type takes one of mini, heap, full, triage, not 'huge'", "dump", "--pid", "1", "-o", "x.core", "--type", "huge")]
    [InlineData("--format takes one of text, folded, json, pprof, not 'svg'", "diff", "a.json", "b.json", "--format", "svg")]
    public async Task Usage_errors_say_what_is_wrong(string message, params string[] args)
    {
        CliResult result = await InProcessCli.RunAsync(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_goes_to_stdout_and_lists_the_commands()
    {
        CliResult result = await InProcessCli.RunAsync("--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        foreach (string command in new[] { "ps", "stacks", "dump", "demo" })
        {
            Assert.Matches($@"(?m)^  {command}\s", result.StdOut);
        }

        Assert.DoesNotMatch(@"(?m)^  measure\s", result.StdOut); // hidden
    }

    [Fact]
    public async Task Its_own_process_is_refused_clearly()
    {
        CliResult result = await InProcessCli.RunAsync("stacks", "--pid", OwnPid);
        Assert.True(result.ExitCode == 2, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("stackdepot itself", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_such_process_is_exit_3()
    {
        await AssertFailsAsync(3, "no such process: 999999999", "stacks", "--pid", "999999999");
        await AssertFailsAsync(3, "no such process: 999999999", "dump", "--pid", "999999999", "-o", Path.Combine(_dir, "x.core"));
    }

    [Fact]
    public async Task A_thread_id_is_no_process_and_names_its_process()
    {
        // Linux lists every thread under /proc too: /proc/TID exists, but TID is no process to attach to.
        string thread = OtherThreadOfThisProcess();
        string expected = $"no such process: {thread} is a thread of process {OwnPid}; use --pid {OwnPid}";
        await AssertFailsAsync(3, expected, "stacks", "--pid", thread);
        await AssertFailsAsync(3, expected, "dump", "--pid", thread, "-o", Path.Combine(_dir, "x.core"));
        await AssertFailsAsync(3, expected, "alloc", "--pid", thread, "--duration", "1s");
    }

    [Theory]
    [InlineData("alloc", "1234")]
    [InlineData("leaks", "1234")]
    [InlineData("alloc", "1234", "--", "dotnet", "app.dll")]
    public async Task A_word_before_the_double_dash_is_not_started_as_a_program(params string[] args)
    {
        // "alloc 1234" meant --pid 1234 more often than a program named 1234: only what follows -- is a command.
        await AssertFailsAsync(2, "unexpected argument '1234' (to record process 1234 use --pid 1234; a program to start under stackdepot goes after --: stackdepot " + args[0] + " [options] -- COMMAND [ARGS])", args);
    }

    [Fact]
    public async Task An_option_the_command_lacks_is_named_as_unknown_not_as_a_second_target()
    {
        await AssertFailsAsync(2, "unknown option '--view' for 'stackdepot leaks' (see 'stackdepot leaks --help')", "leaks", "--pid", OwnPid, "--view", "live");
        await AssertFailsAsync(2, "unknown option '--bogus' for 'stackdepot alloc' (see 'stackdepot alloc --help')", "alloc", "--bogus", "--", "dotnet", "app.dll");
    }

    [Fact]
    public void A_diagnostics_socket_counts_only_for_the_process_that_made_it()
    {
        // The runtime names its socket dotnet-diagnostic-PID-KEY-socket, KEY being its start time. A socket left by a
        // process that died keeps its name; its pid may since belong to a thread or to another process.
        int pid = Environment.ProcessId;
        string key = StartTime(OwnPid);
        Assert.Equal(pid, Targets.DotNetProcess.EndpointOwner($"dotnet-diagnostic-{pid}-{key}-socket"));
        Assert.Null(Targets.DotNetProcess.EndpointOwner($"dotnet-diagnostic-{pid}-{ulong.Parse(key, CultureInfo.InvariantCulture) + 1}-socket"));
        string thread = OtherThreadOfThisProcess();
        Assert.Null(Targets.DotNetProcess.EndpointOwner($"dotnet-diagnostic-{thread}-{StartTime(thread)}-socket"));
        Assert.Null(Targets.DotNetProcess.EndpointOwner($"dotnet-diagnostic-{pid}-socket"));
        Assert.Null(Targets.DotNetProcess.EndpointOwner($"dotnet-diagnostic-x-{key}-socket"));
    }

    private static string OtherThreadOfThisProcess() =>
        Directory.EnumerateDirectories("/proc/self/task").Select(Path.GetFileName).First(t => t != OwnPid)!;

    private static string StartTime(string task)
    {
        string stat = File.ReadAllText($"/proc/{OwnPid}/task/{task}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
    }

    [Fact]
    public Task No_process_of_that_name_is_exit_3() =>
        AssertFailsAsync(3, "no .NET process named 'no-such-app-xyz'", "stacks", "--name", "no-such-app-xyz");

    [Fact]
    public Task Missing_dump_is_exit_7() =>
        AssertFailsAsync(7, "dump file not found", "stacks", "--dump", Path.Combine(_dir, "no-such.core"));

    [Fact]
    public async Task Files_that_are_not_dumps_are_exit_7()
    {
        await AssertFailsAsync(7, "is not a dump file", "stacks", "--dump", TestPaths.TargetDll);
        await AssertFailsAsync(7, "is not a dump file", "stacks", "--dump", "/proc/self/exe");
        await AssertFailsAsync(7, "is a directory, not a dump file", "stacks", "--dump", _dir);
        string empty = Path.Combine(_dir, "empty.core");
        await File.WriteAllBytesAsync(empty, []);
        await AssertFailsAsync(7, "is empty", "stacks", "--dump", empty);
    }

    [Fact]
    public async Task Unwritable_output_is_exit_8_before_the_target_is_touched()
    {
        // The target is stackdepot's own pid: refused (exit 2) if it were checked first.
        await AssertFailsAsync(8, "does not exist", "stacks", "--pid", OwnPid, "-o", Path.Combine(_dir, "missing-dir", "out.txt"));
        await AssertFailsAsync(8, "it is a directory", "stacks", "--pid", OwnPid, "-o", _dir);
        await AssertFailsAsync(8, "does not exist", "dump", "--pid", OwnPid, "-o", Path.Combine(_dir, "missing-dir", "x.core"));
        await AssertFailsAsync(8, "cannot write output file /proc/version: /proc is a kernel file system (proc)", "stacks", "--pid", OwnPid, "-o", "/proc/version");
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    private static async Task AssertFailsAsync(int code, string message, params string[] args)
    {
        CliResult result = await InProcessCli.RunAsync(args);
        Assert.True(result.ExitCode == code, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
    }
}
