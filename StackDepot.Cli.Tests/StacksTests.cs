using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace StackDepot.Cli.Tests;

[Collection("cli")]
public sealed class StacksTests(TargetFixture target) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every test leaves the target running: not stopped, answering.</summary>
    public Task DisposeAsync() => target.AssertRunningAsync();

    private string Pid => target.Pid.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Text_report_groups_the_parked_threads_five_and_three()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid);
        Assert.True(result.ExitCode == 0, result.ToString());

        List<string[]> blocks = Reports.TextBlocks(result.StdOut);
        string[] five = Assert.Single(blocks, b => b.Any(l => l.Contains(Reports.FiveInner, StringComparison.Ordinal)));
        string[] three = Assert.Single(blocks, b => b.Any(l => l.Contains(Reports.ThreeSecond, StringComparison.Ordinal)));
        Assert.StartsWith("5 threads (", five[0]);
        Assert.StartsWith("3 threads (", three[0]);
        Assert.Matches(@"^  thread ids: \d+, \d+, \d+, \d+, \d+$", five[1]);
        Reports.AssertInOrder(five.Skip(2).ToArray(), Reports.Park, Reports.FiveInner, Reports.FiveMiddle, Reports.FiveOuter);
        Assert.Contains(five, l => l.StartsWith("    StackDepot.Cli.Tests.Target!" + Reports.FiveInner + "  at ", StringComparison.Ordinal));
        Assert.Contains($"  pid:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("  process:         StackDepot.Cli.Tests.Target", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("0x", five[2..].First(l => l.Contains(Reports.FiveInner, StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_report_round_trips_and_counts_samples_over_several_snapshots()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--samples", "3", "--interval", "20");
        Assert.True(result.ExitCode == 0, result.ToString());
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        Assert.Equal("samples", root.GetProperty("valueTypes")[0].GetProperty("name").GetString());
        Reports.AssertKnownStacks(stacks, five: 15, three: 9);
        Assert.StartsWith("3", root.GetProperty("properties").GetProperty("samples").GetString());
        Assert.Equal(stacks.Sum(s => s.Values[0]) + 0, root.GetProperty("totals")[0].GetInt64() - 0);
        // Progress goes to stderr as plain lines when stderr is not a terminal: the first sample, at most one a second,
        // and the last.
        string[] progress = result.StdErr.Split('\n').Where(l => l.StartsWith("stackdepot: sample ", StringComparison.Ordinal)).ToArray();
        Assert.StartsWith("stackdepot: sample 1/3: ", progress[0]);
        Assert.StartsWith("stackdepot: sample 3/3: ", progress[^1]);
    }

    [Fact]
    public async Task Folded_lines_are_root_first_with_counts()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "folded");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.StdOut.TrimEnd('\n').Split('\n');
        (string[] Frames, long Count)[] parsed = lines.Select(l =>
        {
            int space = l.LastIndexOf(' ');
            return (l[..space].Split(';'), long.Parse(l[(space + 1)..], CultureInfo.InvariantCulture));
        }).ToArray();
        var five = Assert.Single(parsed, p => p.Frames.Any(f => f.EndsWith(Reports.FiveInner, StringComparison.Ordinal)));
        var three = Assert.Single(parsed, p => p.Frames.Any(f => f.EndsWith(Reports.ThreeSecond, StringComparison.Ordinal)));
        Assert.Equal(5, five.Count);
        Assert.Equal(3, three.Count);
        Reports.AssertInOrder(five.Frames, Reports.FiveOuter, Reports.FiveMiddle, Reports.FiveInner, Reports.Park);
        Assert.Equal(lines.Length, parsed.Length); // folded output is not cut by the default --top
    }

    [Fact]
    public async Task Tree_merges_the_common_root_and_counts_each_branch()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "tree");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.StdOut.Split('\n');
        Assert.Contains(lines, l => l.Contains("~~~~ 5 threads, thread ids", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("~~~~ 3 threads, thread ids", StringComparison.Ordinal));
        // Both chains start at the thread entry point: it appears once, above both branches, with their sum or more.
        string start = Assert.Single(lines, l => l.EndsWith("System.Threading.Thread.StartCallback()", StringComparison.Ordinal));
        Assert.True(long.Parse(start.TrimStart().Split(' ')[0], CultureInfo.InvariantCulture) >= 8, start);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("5 ", StringComparison.Ordinal) && l.Contains(Reports.FiveOuter, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("3 ", StringComparison.Ordinal) && l.Contains(Reports.ThreeFirst, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Speedscope_output_is_valid_against_the_published_schema()
    {
        Assert.True(File.Exists(TestPaths.SpeedscopeSchema),
            "speedscope schema missing: run 'bash .ci/run' (or 'npm ci' in StackDepot.Cli.Tests/schema) first");
        string file = Path.Combine(Path.GetTempPath(), $"stackdepot-test-{Guid.NewGuid():N}.speedscope.json");
        try
        {
            CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "speedscope", "-o", file);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(string.Empty, result.StdOut);
            Assert.Equal("valid", await Reports.ValidateSpeedscopeAsync(file));

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
            string[] frames = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray();
            JsonElement profile = doc.RootElement.GetProperty("profiles")[0];
            int[][] samples = profile.GetProperty("samples").EnumerateArray().Select(s => s.EnumerateArray().Select(i => i.GetInt32()).ToArray()).ToArray();
            long[] weights = profile.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()).ToArray();
            int five = Array.FindIndex(samples, s => s.Any(i => frames[i].EndsWith(Reports.FiveInner, StringComparison.Ordinal)));
            Assert.Equal(5, weights[five]);
            Reports.AssertInOrder(samples[five].Select(i => frames[i]).ToArray(), Reports.FiveOuter, Reports.FiveInner, Reports.Park);

            // The check is real: a file that breaks the schema is rejected.
            File.WriteAllText(file, File.ReadAllText(file).Replace("\"weights\"", "\"weightz\"", StringComparison.Ordinal));
            Assert.NotEqual("valid", await Reports.ValidateSpeedscopeAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Group_by_frame_keeps_offsets_and_runtime_frames_are_opt_in()
    {
        CliResult exact = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--group-by", "frame");
        Assert.True(exact.ExitCode == 0, exact.ToString());
        (_, List<JsonStack> stacks) = Reports.ParseJson(exact.StdOut);
        Reports.AssertKnownStacks(stacks, 5, 3);
        Assert.Matches(@"^StackDepot\.Cli\.Tests\.Target\.FiveChain\.Inner\(\) \+ 0x[0-9a-f]+$", Reports.Single(stacks, Reports.FiveInner).Frames.First(f => f.StartsWith(Reports.FiveInner, StringComparison.Ordinal)));

        CliResult plain = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json");
        CliResult withRuntime = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--runtime-frames");
        Assert.True(withRuntime.ExitCode == 0, withRuntime.ToString());
        Assert.DoesNotContain(Reports.ParseJson(plain.StdOut).Stacks.SelectMany(s => s.Frames), f => f.StartsWith('['));
        List<JsonStack> runtimeStacks = Reports.ParseJson(withRuntime.StdOut).Stacks;
        Assert.Contains(runtimeStacks.SelectMany(s => s.Frames), f => f.StartsWith('['));
        Assert.Equal(5, Reports.Single(runtimeStacks, Reports.FiveInner).Values[0]);
    }

    [Fact]
    public async Task Max_frames_keeps_the_innermost_frames_and_says_so()
    {
        CliResult full = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json");
        string[] fiveFrames = Reports.Single(Reports.ParseJson(full.StdOut).Stacks, Reports.FiveInner).Frames;
        int parkAt = Array.IndexOf(fiveFrames, Reports.Park);
        Assert.True(parkAt >= 0, full.StdOut);

        // Cut just after Park: both chains keep the same innermost frames and merge into one stack of eight, which
        // ends with the (truncated) frame standing for what was left out.
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--max-frames", (parkAt + 1).ToString(CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, result.ToString());
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        Assert.All(stacks, s => Assert.True(s.Frames.Length <= parkAt + 2));
        string truncated = root.GetProperty("properties").GetProperty("truncated stacks").GetString()!;
        Assert.EndsWith($"(longer than --max-frames {parkAt + 1})", truncated);
        Assert.True(int.Parse(truncated.Split(' ')[0], CultureInfo.InvariantCulture) >= 8, truncated);
        JsonStack parked = Assert.Single(stacks, s => s.Frames.Contains(Reports.Park));
        Assert.Equal(8, parked.Values[0]);
        Assert.Equal([.. fiveFrames[..(parkAt + 1)], "(truncated)"], parked.Frames);
    }

    [Fact]
    public async Task Top_and_min_count_cut_stacks_but_not_totals()
    {
        CliResult top = await Cli.RunAsync("stacks", "--pid", Pid, "--top", "1");
        Assert.True(top.ExitCode == 0, top.ToString());
        List<string[]> blocks = Reports.TextBlocks(top.StdOut);
        Assert.StartsWith("5 threads (", blocks[0][0]);
        Assert.Matches(@"^\.\.\.and \d+ more stacks?$", blocks[^1].Last());
        Assert.Equal(2, blocks.Count);

        CliResult min = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--min-count", "4");
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(min.StdOut);
        Assert.All(stacks, s => Assert.True(s.Values[0] >= 4));
        Assert.Contains(stacks, s => s.Frames.Contains(Reports.FiveInner));
        Assert.DoesNotContain(stacks, s => s.Frames.Contains(Reports.ThreeSecond));
        Assert.True(root.GetProperty("omittedStacks").GetInt32() >= 1);
        Assert.True(root.GetProperty("totals")[0].GetInt64() >= 9);
    }

    [Fact]
    public async Task Name_selects_the_target_and_ps_lists_it()
    {
        CliResult ps = await Cli.RunAsync("ps");
        Assert.True(ps.ExitCode == 0, ps.ToString());
        string line = Assert.Single(ps.StdOut.Split('\n'), l => l.TrimStart().StartsWith(Pid + " ", StringComparison.Ordinal));
        Assert.Contains("StackDepot.Cli.Tests.Target", line, StringComparison.Ordinal);
        Assert.Contains("StackDepot.Cli.Tests.Target.dll", line, StringComparison.Ordinal);
        Assert.StartsWith("PID", ps.StdOut.Split('\n')[0].TrimStart());

        CliResult byName = await Cli.RunAsync("stacks", "--name", "StackDepot.Cli.Tests.Target", "--format", "json");
        Assert.True(byName.ExitCode == 0, byName.ToString());
        Reports.AssertKnownStacks(Reports.ParseJson(byName.StdOut).Stacks, 5, 3);
    }

    [Fact]
    public async Task Output_file_receives_the_report_and_stdout_stays_empty()
    {
        string file = Path.Combine(Path.GetTempPath(), $"stackdepot-test-{Guid.NewGuid():N}.txt");
        try
        {
            CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "-o", file);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(string.Empty, result.StdOut);
            Assert.Contains(Reports.FiveInner, File.ReadAllText(file), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(file)}.*.tmp"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_full_disk_is_exit_8_and_one_line()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "-q", "-o", "/dev/full");
        Assert.True(result.ExitCode == 8, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("stackdepot: error: cannot write output file /dev/full: no space left on device", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupt_releases_the_target_writes_the_report_and_exits_130()
    {
        SamplingRun run = await SamplingRun.StartAsync("stacks", "--pid", Pid, "--samples", "100000", "--interval", "1", "--format", "json");
        CliResult result = await run.SignalAsync(Signals.SIGINT); // as Ctrl-C sends
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Matches(@"stackdepot: interrupted by SIGINT after \d+ samples; the target was released and the report of those samples written", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
        (JsonElement root, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);
        int taken = int.Parse(root.GetProperty("properties").GetProperty("samples").GetString()!.Split(' ', ',')[0], CultureInfo.InvariantCulture);
        Assert.True(taken >= 1, result.StdOut);
        Assert.StartsWith("interrupted after", root.GetProperty("properties").GetProperty("ended").GetString());
        Reports.AssertKnownStacks(stacks, five: 5 * taken, three: 3 * taken);
    }

    [Fact]
    public async Task A_sample_over_its_timeout_is_dropped_and_the_target_released()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--timeout", "1", "--samples", "2", "--interval", "0");
        Assert.True(result.ExitCode == 9, result.ToString());
        Assert.Contains("stackdepot: error: every sample took longer than --timeout 1 ms", result.StdErr, StringComparison.Ordinal);
    }
}
