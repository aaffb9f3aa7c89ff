using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using StackDepot.Pprof.Tests;

namespace StackDepot.Cli.Tests.Async;

/// <summary>
/// <c>stackdepot stacks --async</c> end to end, as a separate process, against the target's async scenario: live and
/// from a heap dump, every format, the joined sync-over-async threads, the lock owner, the header, the refusal of a
/// mini dump; the target runs afterwards.
/// </summary>
[Collection("async-target")]
public sealed class AsyncCliTests(AsyncTargetFixture fixture) : IAsyncLifetime
{
    private const string Target = AsyncGroundTruth.Target;

    private string Pid => fixture.Pid.ToString(CultureInfo.InvariantCulture);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.Target.AssertRunningAsync();

    [Fact]
    public async Task Live_async_stacks_match_the_ground_truth()
    {
        (JsonElement root, List<SeenStack> stacks) = await JsonAsync("stacks", "--pid", Pid, "--async", "--format", "json");

        AsyncGroundTruth.AssertLogicalStacks(stacks, fixture.Target.ThreadIdsByName());
        Assert.Equal("tasks", root.GetProperty("valueTypes")[0].GetProperty("name").GetString());
        JsonElement properties = root.GetProperty("properties");
        Assert.Matches(@"^\d+(\.\d)? ms \(attach to detach\)$", properties.GetProperty("target stopped").GetString());
        Assert.Equal(AsyncScenarioCounts.ThreadPool, properties.GetProperty("thread pool").GetString());
        Assert.Equal("7 waiting on a task (sync-over-async), 2 on a lock", properties.GetProperty("blocked threads").GetString());
        Assert.StartsWith("Async stacks of StackDepot.Cli.Tests.Target (pid ", root.GetProperty("title").GetString());
        Assert.False(properties.TryGetProperty("damaged heap", out _));

        // The async methods' frames carry their module.
        JsonElement clear = root.GetProperty("stacks").EnumerateArray().SelectMany(s => s.GetProperty("frames").EnumerateArray())
            .First(f => f.GetProperty("name").GetString() == AsyncGroundTruth.SemaphoreChain[^1]);
        Assert.Equal(AsyncGroundTruth.Module, clear.GetProperty("module").GetString());
    }

    [Fact]
    public async Task A_heap_dump_gives_the_same_async_stacks()
    {
        string dump = await fixture.HeapDumpAsync();
        (JsonElement root, List<SeenStack> stacks) = await JsonAsync("stacks", "--dump", dump, "--async", "--format", "json");

        AsyncGroundTruth.AssertLogicalStacks(stacks, fixture.Target.ThreadIdsByName());
        JsonElement properties = root.GetProperty("properties");
        Assert.Equal(dump, properties.GetProperty("dump").GetString());
        Assert.False(properties.TryGetProperty("target stopped", out _));
    }

    [Fact]
    public async Task Both_joins_each_blocked_thread_to_its_task_and_names_the_lock_owner()
    {
        (JsonElement root, List<SeenStack> stacks) = await JsonAsync("stacks", "--pid", Pid, "--async", "both", "--format", "json");
        Dictionary<string, int> tids = fixture.Target.ThreadIdsByName();

        Assert.Equal("threads and tasks", root.GetProperty("valueTypes")[0].GetProperty("name").GetString());
        string[] joinedChain = ["[awaiting TaskCompletionSource<int>]", .. AsyncGroundTruth.ManifestChain, AsyncGroundTruth.BlockingMarker];
        AssertJoined(stacks, joinedChain, Target + "ManifestChain.LoadBlocking()", Enumerable.Range(0, 5).Select(i => tids[$"manifest-{i}"]));
        AssertJoined(stacks, joinedChain, Target + "ManifestChain.LoadResult()", [tids["manifest-result"]]);
        AssertJoined(stacks, joinedChain, Target + "ManifestChain.LoadWait()", [tids["manifest-wait"]]);

        // Every thread is on exactly one stack: a joined thread's own stack is not counted again.
        int[] threads = [.. stacks.SelectMany(s => s.Threads)];
        Assert.Equal(threads.Length, threads.Distinct().Count());
        Assert.Equal(AsyncGroundTruth.ManifestThreads(tids), stacks.Where(s => s.Frames.Contains(AsyncGroundTruth.BlockingMarker)).SelectMany(s => s.Threads).Order());

        // The logical stacks nobody blocks on are there too.
        AsyncGroundTruth.Single(stacks, AsyncScenarioCounts.Semaphore, "[awaiting SemaphoreSlim.WaitAsync]", AsyncGroundTruth.SemaphoreChain);
        AssertLockOwner(stacks, tids);
    }

    [Fact]
    public async Task Text_headings_say_what_each_stack_of_a_mixed_report_is()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--async", "both", "-q", "--samples", "3");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("stackdepot: warning: --async takes one snapshot (a walk of the GC heap); --samples 3 is ignored", result.StdErr.TrimEnd('\n'));
        List<string[]> blocks = Reports.TextBlocks(result.StdOut);
        Assert.Contains(blocks, b => b[0].StartsWith("40 tasks (", StringComparison.Ordinal) && b.Contains("    [awaiting SemaphoreSlim.WaitAsync]"));
        Assert.Contains(blocks, b => b[0].StartsWith("5 threads blocked on tasks (", StringComparison.Ordinal) && b.Any(l => l.Contains("ManifestChain.LoadBlocking()", StringComparison.Ordinal)));
        Assert.Contains(blocks, b => b[0].StartsWith("1 thread blocked on a task (", StringComparison.Ordinal) && b.Any(l => l.Contains("ManifestChain.LoadWait()", StringComparison.Ordinal)));
        Assert.Contains(blocks, b => b[0].StartsWith("1 thread (", StringComparison.Ordinal) && b.Any(l => l.Contains("Ledger.Post()", StringComparison.Ordinal)));
        Assert.Contains("  total threads and tasks: ", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tree_folded_and_speedscope_carry_the_logical_stacks()
    {
        CliResult tree = await Cli.RunAsync("stacks", "--pid", Pid, "--async", "--format", "tree", "-q");
        Assert.True(tree.ExitCode == 0, tree.ToString());
        Assert.Contains(tree.StdOut.Split('\n'), l => l.Contains("~~~~ 40 tasks", StringComparison.Ordinal));
        Assert.Contains(tree.StdOut.Split('\n'), l => l.Contains("~~~~ 20 tasks", StringComparison.Ordinal));

        CliResult folded = await Cli.RunAsync("stacks", "--pid", Pid, "--async", "--format", "folded", "-q");
        Assert.True(folded.ExitCode == 0, folded.ToString());
        string semaphore = Assert.Single(folded.StdOut.Split('\n'), l => l.EndsWith(";[awaiting SemaphoreSlim.WaitAsync] 40", StringComparison.Ordinal));
        Assert.StartsWith(AsyncGroundTruth.Module + "!" + AsyncGroundTruth.SemaphoreChain[^1] + ";", semaphore); // root first

        string file = Path.Combine(fixture.Directory, "async.speedscope.json");
        CliResult speedscope = await Cli.RunAsync("stacks", "--pid", Pid, "--async", "--format", "speedscope", "-o", file, "-q");
        Assert.True(speedscope.ExitCode == 0, speedscope.ToString());
        Assert.Equal("valid", await Reports.ValidateSpeedscopeAsync(file));
        using JsonDocument doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        string[] frames = [.. doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!)];
        JsonElement profile = doc.RootElement.GetProperty("profiles")[0];
        int[][] samples = [.. profile.GetProperty("samples").EnumerateArray().Select(s => s.EnumerateArray().Select(i => i.GetInt32()).ToArray())];
        long[] weights = [.. profile.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64())];
        int delay = Array.FindIndex(samples, s => frames[s[^1]] == "[awaiting Task.Delay]");
        Assert.Equal(AsyncScenarioCounts.Delay, weights[delay]);
    }

    [GoFact]
    public async Task Go_tool_pprof_reads_the_async_stacks()
    {
        string file = Path.Combine(fixture.Directory, "async.pb.gz");
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--async", "--format", "pprof", "-o", file, "-q");
        Assert.True(result.ExitCode == 0, result.ToString());

        string top = GoPprof.Run("-top", file);
        Assert.Contains("Type: tasks", top, StringComparison.Ordinal);
        List<(double Flat, double Cum, string Name)> rows = GoPprof.TopRows(top);
        Assert.Equal(AsyncScenarioCounts.Semaphore, Assert.Single(rows, r => r.Name == "[awaiting SemaphoreSlim.WaitAsync]").Flat);
        Assert.Equal(AsyncScenarioCounts.Delay, Assert.Single(rows, r => r.Name == "[awaiting Task.Delay]").Flat);

        // Each logical stack is one trace, innermost first, its weight the number of pending operations; pprof's
        // functions are the methods (the await state is part of the frame, not of the function).
        string[] methods = [.. AsyncGroundTruth.SemaphoreChain.Select(f => Regex.Replace(f, @" \(await state \d+\)$", string.Empty))];
        string traces = GoPprof.Run("-traces", file);
        string block = Assert.Single(traces.Split("-----------+"), b => b.Contains(methods[^1], StringComparison.Ordinal));
        string[] lines = [.. block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('-'))];
        Assert.StartsWith($"{AsyncScenarioCounts.Semaphore} ", lines[0]);
        Reports.AssertInOrder([.. lines.Select(l => l.Split("   ", 2)[^1].Trim())], ["[awaiting SemaphoreSlim.WaitAsync]", .. methods]);
    }

    [Fact]
    public async Task A_mini_dump_is_refused_with_how_to_take_a_heap_dump()
    {
        string mini = await fixture.MiniDumpAsync();
        CliResult result = await Cli.RunAsync("stacks", "--dump", mini, "--async");
        Assert.True(result.ExitCode == 7, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("holds no GC heap (a mini dump)", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("stackdepot dump --pid N --type heap -o FILE", result.StdErr, StringComparison.Ordinal);

        // Without --async the same mini dump is enough.
        CliResult threads = await Cli.RunAsync("stacks", "--dump", mini, "-q");
        Assert.True(threads.ExitCode == 0, threads.ToString());
    }

    [Fact]
    public async Task The_stop_in_the_header_is_the_stop_the_target_saw()
    {
        await fixture.Target.TakeMaxGapAsync(); // a fresh measurement
        (JsonElement root, _) = await JsonAsync("stacks", "--pid", Pid, "--async", "--format", "json");
        double gap = await fixture.Target.TakeMaxGapAsync();
        JsonElement properties = root.GetProperty("properties");
        double stopped = Milliseconds(properties.GetProperty("target stopped").GetString()!);
        double walked = Milliseconds(Regex.Match(properties.GetProperty("heap").GetString()!, @"walked in ([\d.]+ ms)").Groups[1].Value);

        // The heartbeat cannot beat while the process is stopped: it sees at least the heap walk, and no stop much
        // longer than the attachment the CLI reports (the slack covers a heartbeat descheduled on a loaded machine).
        Assert.True(gap >= walked - 5, $"the target saw a stop of {gap} ms, the heap walk took {walked} ms");
        Assert.True(gap <= stopped + 1000, $"the target saw a stop of {gap} ms, the CLI reports {stopped} ms");
    }

    [Fact]
    public async Task A_large_heap_is_said_and_a_heap_dump_suggested()
    {
        // Seven million small objects: a heap over the 256 MiB from which a live walk stops a process for seconds.
        using TargetProcess large = await TargetProcess.StartAsync(["async", "1", "7000000"]);
        string pid = large.Pid.ToString(CultureInfo.InvariantCulture);
        string? stateAtWarning = null;
        CliResult result = await Cli.RunAsync(["stacks", "--pid", pid, "--async", "--format", "json", "-q"], wrapper: null, started: p =>
            p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("stackdepot: warning: The GC heap is ", StringComparison.Ordinal) == true)
                {
                    stateAtWarning = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal));
                }
            });

        Assert.True(result.ExitCode == 0, result.ToString());

        // Said before the walk, while it can still be interrupted: the target was stopped (ptrace) when the line came.
        Assert.True(stateAtWarning?.Contains("tracing stop", StringComparison.Ordinal) == true, stateAtWarning ?? "no warning seen");
        string warning = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("stackdepot: warning: The GC heap is ", warning);
        Assert.Contains($"stackdepot dump --pid {pid} --type heap -o FILE", warning, StringComparison.Ordinal);
        Assert.Contains("stacks --dump FILE --async", warning, StringComparison.Ordinal);
        (_, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        JsonStack[] semaphore = [.. stacks.Where(s => s.Frames.Length > 0 && s.Frames[0] == "[awaiting SemaphoreSlim.WaitAsync]")];
        Assert.True(semaphore.Length == 1 && semaphore[0].Values[0] == AsyncScenarioCounts.Semaphore, result.ToString());
        await large.AssertRunningAsync();

        // The ordinary scenario's heap is far below it: no warning.
        CliResult small = await Cli.RunAsync("stacks", "--pid", Pid, "--async", "-q");
        Assert.True(small.ExitCode == 0 && small.StdErr.Length == 0, small.ToString());
    }

    [Fact]
    public async Task An_interrupt_during_the_heap_walk_releases_the_target_and_exits_130()
    {
        // A heap of seven million objects: the walk lasts seconds, long enough to interrupt it.
        using TargetProcess large = await TargetProcess.StartAsync(["async", "1", "7000000"]);
        string pid = large.Pid.ToString(CultureInfo.InvariantCulture);
        System.Diagnostics.Process? cli = null;
        Task<CliResult> run = Cli.RunAsync(["stacks", "--pid", pid, "--async", "-q"], Cli.WithDefaultSigint, started: p => cli = p);

        // The target is stopped (ptrace: "t (tracing stop)") once the CLI has attached and walks its heap.
        await WaitUntilAsync(() => File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal)).Contains("tracing stop", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the CLI never stopped the target");
        Assert.Equal(0, Kill(cli!.Id, 2)); // SIGINT, as Ctrl-C sends

        CliResult result = await run;
        Assert.True(result.ExitCode == 130, result.ToString());

        // The large heap's warning (said before the walk), then the interruption: plain lines, no report.
        string[] lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2 && lines[0].StartsWith("stackdepot: warning: The GC heap is ", StringComparison.Ordinal), result.ToString());
        Assert.Equal("stackdepot: error: interrupted by SIGINT; the target was released", lines[1]);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.StdOut);
        await large.AssertRunningAsync();
    }

    [Fact]
    public async Task A_heap_walk_over_its_timeout_releases_the_target_and_says_what_to_do()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--async", "--timeout", "1", "-q");
        Assert.True(result.ExitCode == 9, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains($"the heap walk took longer than --timeout 1 ms; process {Pid} was released", result.StdErr, StringComparison.Ordinal);
        Assert.Contains($"stackdepot dump --pid {Pid} --type heap -o FILE", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_thread_stacks_name_the_lock_owner_and_the_thread_pool()
    {
        (JsonElement root, List<SeenStack> stacks) = await JsonAsync("stacks", "--pid", Pid, "--format", "json");
        AssertLockOwner(stacks, fixture.Target.ThreadIdsByName());
        JsonElement properties = root.GetProperty("properties");
        Assert.Equal("2 threads", properties.GetProperty("blocked on locks").GetString());
        Assert.Equal(AsyncScenarioCounts.ThreadPool, properties.GetProperty("thread pool").GetString());
    }

    [Fact]
    public async Task Dotnet_dump_dumpasync_counts_the_same_chains_in_the_heap_dump()
    {
        string dump = await fixture.HeapDumpAsync();
        (_, List<SeenStack> ours) = await JsonAsync("stacks", "--dump", dump, "--async", "--format", "json");
        string dumpasync = await DumpAsyncAsync(dump);

        // dumpasync --coalesce prints trees from the innermost task out, "[count] address (state) type" per line. The
        // outermost async method of each branch, with its count, must be the outermost async method of our logical
        // stacks with the same count.
        List<(string Type, int State, long Count)> outermost = DumpAsyncBranchEnds(dumpasync);
        Assert.True(outermost.Count >= 5, dumpasync);
        foreach ((string type, int state, long count) in outermost)
        {
            // The scenario's state machines are plain ones (Ns.Type+<Method>d__N): named as written, Ns.Type.Method(...).
            Match machine = Regex.Match(type, @"^(?<type>.+)\+<(?<method>[^<>]+)>d__\d+$");
            Assert.True(machine.Success, type);
            string prefix = machine.Groups["type"].Value.Replace('+', '.') + "." + machine.Groups["method"].Value + "(";
            string suffix = $" (await state {state})";
            long mine = ours.Where(s => s.Frames.LastOrDefault(f => f.EndsWith(')') && f.Contains(" (await state ", StringComparison.Ordinal)) is { } last &&
                                        last.StartsWith(prefix, StringComparison.Ordinal) && last.EndsWith(suffix, StringComparison.Ordinal)).Sum(s => s.Count);
            Assert.True(mine == count, $"{type} ({state}): dumpasync {count}, stackdepot {mine}\n{dumpasync}");
        }

        Assert.Equal(outermost.Sum(o => o.Count), ours.Sum(s => s.Count));
    }

    /// <summary>Runs dotnet-dump (the version pinned by .config/dotnet-tools.json) on a dump: <c>dumpasync --coalesce</c>.</summary>
    private static async Task<string> DumpAsyncAsync(string dump)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        foreach (string arg in new[] { "tool", "run", "dotnet-dump", "analyze", dump, "-c", "dumpasync --coalesce", "-c", "exit" })
        {
            info.ArgumentList.Add(arg);
        }

        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        string output = await stdout;
        Assert.True(process.ExitCode == 0 && output.Contains("STACKS", StringComparison.Ordinal),
            $"dotnet-dump did not run (run 'dotnet tool restore' in the repository, as .ci/run does): {output} {await stderr}");
        return output;
    }

    /// <summary>For each branch of dumpasync's coalesced trees, the deepest line that is an async method (has a state).</summary>
    private static List<(string Type, int State, long Count)> DumpAsyncBranchEnds(string output)
    {
        var ends = new List<(string, int, long)>();
        var path = new List<(int Depth, (string Type, int State, long Count)? Method)>();
        Match[] lines = [.. output.Split('\n').Select(l => Regex.Match(l, @"^(?<indent> *)\[(?<count>\d+)\] [0-9a-f]+ (?:\((?<state>-?\d+)\) )?(?<type>\S.*?)\s*$")).Where(m => m.Success)];
        for (int i = 0; i < lines.Length; i++)
        {
            int depth = lines[i].Groups["indent"].Length / 2;
            path.RemoveAll(p => p.Depth >= depth);
            path.Add((depth, lines[i].Groups["state"].Success
                ? (lines[i].Groups["type"].Value, int.Parse(lines[i].Groups["state"].Value, CultureInfo.InvariantCulture), long.Parse(lines[i].Groups["count"].Value, CultureInfo.InvariantCulture))
                : null));
            bool leaf = i + 1 == lines.Length || lines[i + 1].Groups["indent"].Length / 2 <= depth;
            if (leaf && path.LastOrDefault(p => p.Method is not null).Method is { } method)
            {
                ends.Add(method);
            }
        }

        return ends;
    }

    private static void AssertLockOwner(List<SeenStack> stacks, Dictionary<string, int> tids)
    {
        AssertLockPair(stacks, "Monitor of System.Object", "System.Threading.Monitor.Enter", tids["ledger-clerk"], "Ledger.Post()", tids["ledger-owner"], "Ledger.Hold()");
        AssertLockPair(stacks, "Lock of System.Threading.Lock", "System.Threading.Lock.Enter", tids["vault-clerk"], "Vault.Open()", tids["vault-owner"], "Vault.Hold()");
    }

    /// <summary>The waiter's innermost frame names the lock and its holder; the holder's says how many wait.</summary>
    private static void AssertLockPair(List<SeenStack> stacks, string kindAndType, string enterFrame, int waiter, string waiterMethod, int holder, string holderMethod)
    {
        SeenStack waiting = Assert.Single(stacks, s => s.Threads.SequenceEqual([waiter]));
        Assert.Equal($"[blocked on {kindAndType}, held by thread {holder}]", waiting.Frames[0]);
        Reports.AssertInOrder(waiting.Frames, enterFrame, Target + waiterMethod);
        SeenStack holding = Assert.Single(stacks, s => s.Threads.SequenceEqual([holder]));
        Assert.Equal($"[holds {kindAndType}, 1 thread waits]", holding.Frames[0]);
        Assert.Contains(Target + holderMethod, holding.Frames);
    }

    private static void AssertJoined(List<SeenStack> stacks, string[] chain, string threadFrame, IEnumerable<int> threads)
    {
        SeenStack joined = Assert.Single(stacks, s => s.Frames.Contains(threadFrame));
        Assert.Equal(chain, joined.Frames[..chain.Length]);
        Reports.AssertInOrder(joined.Frames[chain.Length..], "System.Threading.Tasks.Task.SpinThenBlockingWait", threadFrame);
        Assert.Equal(threads.Order(), joined.Threads);
        Assert.Equal(joined.Threads.Length, joined.Count);
    }

    private static async Task<(JsonElement Root, List<SeenStack> Stacks)> JsonAsync(params string[] args)
    {
        CliResult result = await Cli.RunAsync(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        return (root, [.. stacks.Select(s => new SeenStack(s.Frames, s.Values[0], s.ThreadIds))]);
    }

    private static double Milliseconds(string text) =>
        double.Parse(Regex.Match(text, @"^([\d.]+) ms").Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>Polls a condition of another process until it holds (there is nothing to wait on instead).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string message)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, message);
            await Task.Delay(5);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
