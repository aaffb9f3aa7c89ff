using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StackDepot.Cli.Tests;

/// <summary>
/// Sampling end to end, the CLI as a separate process: <c>--duration/--rate</c>, the stop measured from inside the
/// target, <c>top</c> in plain mode, thread names and kinds, <c>--group-by thread-name</c>, and what a run keeps when
/// the target exits, when it is interrupted, or when a thread cannot be read.
/// </summary>
[Collection("cli")]
public sealed class SamplingTests(TargetFixture fixture) : IAsyncLifetime
{
    /// <summary>A loose bound on any stop the target's heartbeat may see while it is sampled by the copying engine:
    /// the goal is 20 ms at the worst for 20 threads; this machine may be loaded by other work.</summary>
    private const double StopBoundMs = 250;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every test leaves the shared target running: not stopped, answering.</summary>
    public Task DisposeAsync() => fixture.AssertRunningAsync();

    private string Pid => fixture.Pid.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Duration_and_rate_sample_for_the_time_given_and_the_header_says_the_rate_achieved()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--duration", "1s", "--rate", "20", "-f", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        string samples = Property(root, "samples");
        Match match = Regex.Match(samples, @"^(\d+), 20 per second asked, ([\d.]+) per second achieved over (\d+ ms|[\d.]+ s)$");
        Assert.True(match.Success, samples);
        int taken = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(taken, 2, 20); // a second at 20 per second, at most
        Assert.InRange(double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), 1, 20.5); // never faster than asked
        Reports.AssertKnownStacks(stacks, five: 5 * taken, three: 3 * taken);
        Assert.StartsWith("clrmd (stacks copied", Property(root, "engine"));
    }

    [Fact]
    public async Task The_stop_seen_from_inside_the_target_is_bounded_and_the_header_reports_median_and_worst()
    {
        using TargetProcess target = await TargetProcess.StartAsync(["--extra", "12"]);
        await target.TakeGapsAsync(); // start measuring now
        CliResult result = await Cli.RunAsync("stacks", "--pid", target.Pid.ToString(CultureInfo.InvariantCulture),
            "--samples", "20", "--interval", "50", "-f", "json");
        (long beats, double[] gaps) = await target.TakeGapsAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(beats > 0, "the heartbeat did not run");
        double worstInside = gaps.DefaultIfEmpty(0).Max();
        Assert.True(worstInside < StopBoundMs, $"the target saw a stop of {worstInside:0.0} ms; gaps: {string.Join(' ', gaps)}");

        (JsonElement root, _) = Reports.ParseJson(result.StdOut);
        string stopped = Property(root, "target stopped");
        Match match = Regex.Match(stopped, @"^([\d.]+) ms per sample \(median\), ([\d.]+) ms worst, ([\d.]+)% of the run$");
        Assert.True(match.Success, stopped);
        double median = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        double worst = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(median, 0.001, worst);
        Assert.True(worst < StopBoundMs, stopped);
        await target.AssertRunningAsync();
    }

    [Fact]
    public async Task Top_writes_plain_blocks_when_stdout_is_not_a_terminal()
    {
        CliResult result = await Cli.RunAsync("top", "--pid", Pid, "--duration", "1.5s", "--rate", "20", "--refresh", "0.5", "--rows", "5");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] blocks = result.StdOut.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(blocks.Length >= 3, result.StdOut); // the first sample, at least one refresh, the end
        Assert.All(blocks, b => Assert.Matches(@"^--- stackdepot top: StackDepot\.Cli\.Tests\.Target \(pid \d+\): .+ target stopped [\d.]+ ms per sample \(median\)", b));
        Assert.DoesNotContain('\u001b', result.StdOut); // no terminal control sequences
        string[] last = blocks[^1].Split('\n');
        Assert.Equal(" %OWN  %TOTAL       OWN     TOTAL  METHOD", last[1]);
        // Eight of the twelve or so threads wait in Monitor.Wait: the top method by own samples.
        Match wait = Regex.Match(last[2], @"^\s*([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+System\.Private\.CoreLib!System\.Threading\.Monitor\.Wait\(");
        Assert.True(wait.Success, blocks[^1]);
        Assert.Contains(last, l => l.Contains(Reports.FiveInner, StringComparison.Ordinal));
        Assert.Contains("STACKS", last);
    }

    [Fact]
    public async Task Threads_are_named_with_their_kind_and_threads_without_managed_frames_are_labelled()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "-f", "json", "--top", "0");
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument doc = JsonDocument.Parse(result.StdOut);
        var threads = doc.RootElement.GetProperty("stacks").EnumerateArray()
            .SelectMany(s => s.GetProperty("threads").EnumerateArray().Select(t => (
                Id: t.GetProperty("id").GetInt32(), Name: t.GetProperty("name").GetString()!, Kind: t.GetProperty("kind").GetString()!,
                Frames: s.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray())))
            .ToList();
        Assert.Equal(["five-0", "five-1", "five-2", "five-3", "five-4"], threads.Where(t => t.Name.StartsWith("five-", StringComparison.Ordinal)).Select(t => t.Name).Order());
        Assert.All(threads.Where(t => t.Name.StartsWith("five-", StringComparison.Ordinal)), t => Assert.Equal("other", t.Kind));
        Assert.Equal(fixture.Pid, Assert.Single(threads, t => t.Kind == "main").Id);
        var finalizer = Assert.Single(threads, t => t.Kind == "finalizer");
        Assert.Equal(".NET Finalizer", finalizer.Name);
        Assert.Equal(["(thread .NET Finalizer, finalizer)", "(no managed frames)"], finalizer.Frames);

        CliResult text = await Cli.RunAsync("stacks", "--pid", Pid);
        Assert.Contains("  thread names: five-0, five-1, five-2, five-3, five-4", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("  thread names: .NET Finalizer (finalizer)", text.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("(no frames)", text.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flame_graphs_keep_threads_without_managed_frames_under_one_root()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "-f", "folded");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] roots = result.StdOut.TrimEnd('\n').Split('\n').Select(l => l.Split(';')[0]).ToArray();
        Assert.Contains("(no managed frames)", roots);
        Assert.DoesNotContain(roots, r => r.StartsWith("(thread ", StringComparison.Ordinal) || r.StartsWith("(no frames)", StringComparison.Ordinal));
        Assert.Contains(result.StdOut.Split('\n'), l => l.StartsWith("(no managed frames);(thread .NET Finalizer, finalizer) ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Group_by_thread_name_puts_each_pool_of_threads_under_one_root()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "-f", "folded", "--group-by", "thread-name", "--samples", "2", "--interval", "10");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StdOut.TrimEnd('\n').Split('\n').Select(l => (Frames: l[..l.LastIndexOf(' ')].Split(';'), Count: long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))).ToList();
        var five = Assert.Single(lines, l => l.Frames[0] == "(thread five-*)");
        Assert.Equal(10, five.Count); // five threads, two samples
        Reports.AssertInOrder(five.Frames, "(thread five-*)", Reports.FiveOuter, Reports.FiveInner, Reports.Park);
        Assert.Equal(6, Assert.Single(lines, l => l.Frames[0] == "(thread three-*)").Count);
        Assert.Single(lines, l => l.Frames[0] == "(thread heartbeat)");
        Assert.All(lines, l => Assert.StartsWith("(thread ", l.Frames[0]));

        CliResult json = await Cli.RunAsync("stacks", "--pid", Pid, "-f", "json", "--group-by", "thread-name");
        Assert.Equal("thread name, then method", Property(Reports.ParseJson(json.StdOut).Root, "grouped by"));
    }

    [Fact]
    public async Task A_target_that_exits_mid_run_keeps_the_samples_taken()
    {
        using TargetProcess target = await TargetProcess.StartAsync([]);
        SamplingRun run = await SamplingRun.StartAsync("stacks", "--pid", target.Pid.ToString(CultureInfo.InvariantCulture), "--samples", "100000", "--interval", "10", "-f", "json");
        Assert.Equal(0, Signals.Kill(target.Pid, Signals.SIGKILL));

        CliResult result = await run.Result;
        Assert.True(result.ExitCode == 0, result.ToString());
        Match exited = Regex.Match(result.StdErr, $@"stackdepot: warning: Process {target.Pid} exited after (\d+) of 100000 samples; reporting those");
        Assert.True(exited.Success, result.StdErr);
        int taken = int.Parse(exited.Groups[1].Value, CultureInfo.InvariantCulture);
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        Assert.Equal($"process {target.Pid} exited after {taken} samples", Property(root, "ended"));
        Assert.StartsWith(taken.ToString(CultureInfo.InvariantCulture) + ",", Property(root, "samples"));
        Reports.AssertKnownStacks(stacks, five: 5 * taken, three: 3 * taken);
    }

    [Fact]
    public async Task Sigterm_writes_the_report_of_what_was_collected_and_exits_143()
    {
        SamplingRun run = await SamplingRun.StartAsync("stacks", "--pid", Pid, "--rate", "50", "-f", "json");
        CliResult result = await run.SignalAsync(Signals.SIGTERM);
        Assert.True(result.ExitCode == 143, result.ToString());
        Match said = Regex.Match(result.StdErr, @"stackdepot: interrupted by SIGTERM after (\d+) samples; the target was released and the report of those samples written");
        Assert.True(said.Success, result.StdErr);
        int taken = int.Parse(said.Groups[1].Value, CultureInfo.InvariantCulture);
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        Assert.Equal($"interrupted after {taken} samples", Property(root, "ended"));
        Reports.AssertKnownStacks(stacks, five: 5 * taken, three: 3 * taken);
    }

    [Fact]
    public async Task A_thread_held_by_another_tracer_is_named_in_the_report_and_on_stderr()
    {
        using TargetProcess target = await TargetProcess.StartAsync([]);
        int five = target.ThreadIdsByName()["five-0"];
        using (var strace = new LineProcess("strace", ["-p", five.ToString(CultureInfo.InvariantCulture), "-o", "/dev/null"]))
        {
            await ThreadStates.WaitUntilAsync(() => Sampling.TraceStates.TracersOf(target.Pid)[five] != 0, TimeSpan.FromSeconds(20), "strace to attach");
            CliResult result = await Cli.RunAsync("stacks", "--pid", target.Pid.ToString(CultureInfo.InvariantCulture), "--samples", "3", "--interval", "20", "-f", "json");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Matches($@"stackdepot: warning: Thread {five} \(five-0\) could not be read: traced by another process \(pid \d+, strace\)", result.StdErr);
            Assert.Single(result.StdErr.Split('\n'), l => l.Contains("could not be read", StringComparison.Ordinal)); // once, not per sample
            (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
            Assert.Matches($@"^{five} \(five-0\): traced by another process \(pid \d+, strace\) \(in 3 of 3 samples\)$", Property(root, "unreadable threads"));
            Assert.Equal(4 * 3, Reports.Single(stacks, Reports.FiveInner).Values[0]);
        }

        await ThreadStates.WaitUntilAsync(() => Sampling.TraceStates.Released(target.Pid), TimeSpan.FromSeconds(20), "strace to detach");
        await target.AssertRunningAsync();
    }

    [Fact]
    public async Task A_run_that_stops_the_target_more_than_a_tenth_of_the_time_warns()
    {
        CliResult heavy = await Cli.RunAsync("stacks", "--pid", Pid, "--engine", "clrmd-suspend", "--duration", "1s", "--rate", "100", "-q");
        Assert.True(heavy.ExitCode == 0, heavy.ToString());
        Assert.Matches(@"stackdepot: warning: The target was stopped [\d.]+% of the run \([\d.]+ ms per sample, median\); sample less often", heavy.StdErr);
        Assert.Contains("  engine:          clrmd-suspend (target stopped for the whole walk)", heavy.StdOut, StringComparison.Ordinal);

        CliResult light = await Cli.RunAsync("stacks", "--pid", Pid, "--samples", "3", "--interval", "1000", "-q");
        Assert.True(light.ExitCode == 0, light.ToString());
        Assert.DoesNotContain("The target was stopped", light.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_the_cli_mid_run_leaves_the_target_running()
    {
        using TargetProcess target = await TargetProcess.StartAsync(["--extra", "40"]);
        for (int round = 0; round < 3; round++)
        {
            SamplingRun run = await SamplingRun.StartAsync("stacks", "--pid", target.Pid.ToString(CultureInfo.InvariantCulture), "--rate", "200");
            Assert.Equal(137, (await run.SignalAsync(Signals.SIGKILL)).ExitCode);

            // The kernel releases whatever the dead tracer held: nothing stays stopped or traced.
            await ThreadStates.WaitUntilAsync(() => Sampling.TraceStates.Released(target.Pid), TimeSpan.FromSeconds(20), "the target to be released");
            await target.AssertRunningAsync();
        }
    }

    [Fact]
    public async Task The_eventpipe_engine_samples_through_the_runtime_and_reports_its_pauses()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--engine", "eventpipe", "--duration", "1s", "--rate", "20", "-f", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        Assert.StartsWith("eventpipe (the runtime's sample profiler", Property(root, "engine"));
        int taken = int.Parse(Property(root, "samples").Split(',')[0], CultureInfo.InvariantCulture);
        Assert.InRange(taken, 2, 20);
        Reports.AssertKnownStacks(stacks, five: 5 * taken, three: 3 * taken);
        Assert.Matches(@"^[\d.]+ ms per sample \(median\), [\d.]+ ms worst, [\d.]+% of the run$", Property(root, "target stopped"));

        CliResult frame = await Cli.RunAsync("stacks", "--pid", Pid, "--engine", "eventpipe", "--group-by", "frame");
        Assert.True(frame.ExitCode == 2, frame.ToString());
        Assert.Contains("--group-by frame needs a ClrMD engine", frame.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_eventpipe_engine_needs_no_root()
    {
        if (Environment.UserName != "root" || OperatingSystem.IsWindows())
        {
            return; // already unprivileged: the test above shows it
        }

        // The target and the CLI both run as nobody, from copies every user may read.
        string cli = EveryoneCopy.OfCli();
        string targetFiles = EveryoneCopy.OfTarget();
        try
        {
            using TargetProcess target = await TargetProcess.StartAsync([], wrapper: EveryoneCopy.AsNobody, targetDll: Path.Combine(targetFiles, Path.GetFileName(TestPaths.TargetDll)));
            string pid = target.Pid.ToString(CultureInfo.InvariantCulture);
            CliResult result = await Cli.RunAsync(["stacks", "--pid", pid, "--engine", "eventpipe", "--samples", "3", "--interval", "50", "-f", "json"],
                EveryoneCopy.AsNobody, cliDll: Path.Combine(cli, Path.GetFileName(TestPaths.CliDll)), workingDirectory: cli);
            Assert.True(result.ExitCode == 0, result.ToString());
            Reports.AssertKnownStacks(Reports.ParseJson(result.StdOut).Stacks, five: 15, three: 9);
            await target.AssertRunningAsync();
        }
        finally
        {
            Directory.Delete(cli, recursive: true);
            Directory.Delete(targetFiles, recursive: true);
        }
    }

    private static string Property(JsonElement root, string name) => root.GetProperty("properties").GetProperty(name).GetString()!;
}
