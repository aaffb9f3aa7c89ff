using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StackDepot.Cli.Hosting;
using StackDepot.Cli.Targets;
using StackDepot.Cli.Tests.InProcess;
using StackDepot.Pprof.Proto;
using StackDepot.Pprof.Tests;

namespace StackDepot.Cli.Tests.Allocations;

/// <summary>
/// <c>alloc</c> and <c>leaks</c> end to end against the ground-truth workload, run in-process on the CLI's own parser:
/// a real EventPipe session, the estimates against the known byte shares, live objects followed through real
/// collections, and bad input. Runs in the "cli" collection: one tracer at a time, and no other test looks up the
/// target's name meanwhile.
/// </summary>
[Collection("cli")]
public sealed class AllocationSessionTests(AllocationTargetFixture target) : IClassFixture<AllocationTargetFixture>, IDisposable
{
    /// <summary>The runtime's mean bytes between samples.</summary>
    private const double Rate = 102_400;

    /// <summary>Standard deviations allowed: a correct estimator fails a bound once in about 1.7 million runs.</summary>
    private const double Z = 5;

    private static readonly double[] TrueShares = [0.5, 0.3, 0.2];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("stackdepot-alloc-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task The_three_sites_byte_shares_are_estimated_within_their_statistical_bounds()
    {
        Assert.Equal([12_000L, 12_000L, 48L], target.Sizes);
        JsonElement report = await RunAsync("alloc", "--pid", Pid, "--duration", "4s", "--top", "0");
        await target.AssertRunningAsync();

        Assert.Equal(["alloc_space", "alloc_objects", "inuse_space", "inuse_objects"], ValueTypeNames(report));
        double[] bytes = [SiteValue(report, "SiteA", 0), SiteValue(report, "SiteB", 0), SiteValue(report, "SiteC", 0)];
        double[] objects = [SiteValue(report, "SiteA", 1), SiteValue(report, "SiteB", 1), SiteValue(report, "SiteC", 1)];
        double total = bytes.Sum();
        Assert.True(total > 50e6, $"only {total:N0} bytes estimated in 4 s");

        AssertShares(bytes);
        for (int i = 0; i < 3; i++)
        {
            // Objects: the same estimate divided by the (single) object size of the site.
            Assert.Equal(bytes[i] / target.Sizes[i], objects[i], 0.01 * objects[i] + 1);
        }

        // Types per stack, and a caption in the in-process style.
        string caption = Entry(report, "SiteA").GetProperty("caption").GetString()!;
        Assert.Matches(@"^~[\d.]+ [KMG]iB in ~[\d,]+ objects \(byte\[\]; [\d.]+% of bytes, [\d,]+ samples\) allocated at:$", caption);
        Assert.Contains("(long[]; ", Entry(report, "SiteB").GetProperty("caption").GetString());
    }

    [Fact]
    public async Task Leaks_and_the_live_view_name_the_leaking_site_first_and_the_others_near_zero()
    {
        JsonElement leaks = await RunAsync("leaks", "--pid", Pid, "--duration", "4s", "--top", "0");
        await target.AssertRunningAsync();
        JsonElement live = await RunAsync("alloc", "--view", "live", "--pid", Pid, "--duration", "3s", "--top", "0");
        await target.AssertRunningAsync();

        foreach (JsonElement report in new[] { leaks, live })
        {
            Assert.Equal(["inuse_space", "inuse_objects", "alloc_space", "alloc_objects"], ValueTypeNames(report));
            JsonElement first = report.GetProperty("stacks")[0];
            Assert.Contains(first.GetProperty("frames").EnumerateArray(), f => f.GetProperty("name").GetString()!.Contains("AllocationWorkload.LeakSite", StringComparison.Ordinal));

            // After the final full collection only the rings of the three sites are alive: 16 objects of A and B (p =
            // 0.11 each: 1.8 expected samples) and 1,024 of C (p = 0.00047: 0.5). A Poisson count of mean 1.8 reaches
            // 12 about once in a million; each sample stands for ~108,500 bytes (A, B) or 102,400 (C).
            double leak = first.GetProperty("values")[0].GetDouble();
            foreach (string site in new[] { "SiteA", "SiteB", "SiteC" })
            {
                double alive = SiteValue(report, site, 0);
                Assert.True(alive <= 12 * 108_500, $"{site}: ~{alive:N0} bytes alive");
                Assert.True(alive < leak, $"{site}: ~{alive:N0} bytes alive, the leak {leak:N0}");
            }
        }

        // About 100 leaked 16,024-byte arrays a second: ~58 live samples in 4 s, at least ~20 for a correct tracker.
        string caption = leaks.GetProperty("stacks")[0].GetProperty("caption").GetString()!;
        Assert.Matches(@"^~[\d.]+ [KMG]iB in ~[\d,]+ objects \(byte\[\]\) still alive, \+[\d.]+ [KMG]?i?B per gen2 GC, allocated at:$", caption);
        Assert.True(leaks.GetProperty("stacks")[0].GetProperty("values")[0].GetDouble() > 20 * 110_000);
    }

    [Fact]
    public async Task The_pprof_capture_is_a_Go_heap_profile_with_the_same_shares()
    {
        string file = Path.Combine(_directory.FullName, "alloc.pb.gz");
        CliResult result = await InProcessCli.RunAsync("alloc", "--pid", Pid, "--duration", "4s", "-f", "pprof", "-o", file, "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
        await target.AssertRunningAsync();

        Profile profile = PprofTests.Decode(file);
        string S(long i) => profile.StringTable[(int)i];
        Assert.Equal(["alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"],
            profile.SampleType.Select(t => S(t.Type) + "/" + S(t.Unit)));
        Assert.Equal(("space", "bytes", 102_400L), (S(profile.PeriodType.Type), S(profile.PeriodType.Unit), profile.Period));
        int space = profile.SampleType.ToList().FindIndex(t => S(t.Type) == "alloc_space");
        string Leaf(Sample s) => S(profile.Function.Single(f => f.Id == profile.Location.Single(l => l.Id == s.LocationId[0]).Line[0].FunctionId).Name);
        double Site(string name) => profile.Sample.Where(s => Leaf(s).Contains("AllocationWorkload." + name + "(", StringComparison.Ordinal)).Sum(s => (double)s.Value[space]);
        double[] bytes = [Site("SiteA"), Site("SiteB"), Site("SiteC")];
        AssertShares(bytes);
    }

    [GoFact]
    public async Task Go_tool_pprof_reads_the_heap_profile_with_the_same_totals()
    {
        string file = Path.Combine(_directory.FullName, "alloc.pb.gz");
        CliResult result = await InProcessCli.RunAsync("alloc", "--pid", Pid, "--duration", "2s", "-f", "pprof", "-o", file, "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
        Profile profile = PprofTests.Decode(file);
        string S(long i) => profile.StringTable[(int)i];
        int space = profile.SampleType.ToList().FindIndex(t => S(t.Type) == "alloc_space");
        string Leaf(Sample s) => S(profile.Function.Single(f => f.Id == profile.Location.Single(l => l.Id == s.LocationId[0]).Line[0].FunctionId).Name);
        double siteA = profile.Sample.Where(s => Leaf(s).Contains("AllocationWorkload.SiteA(", StringComparison.Ordinal)).Sum(s => (double)s.Value[space]);

        // go tool pprof prints values with two decimals in binary units: the same bytes within that rounding.
        string top = GoPprof.Run("-top", "-sample_index=alloc_space", file);
        Assert.Contains("Type: alloc_space", top, StringComparison.Ordinal);
        (double _, double cum, string _) = Assert.Single(GoPprof.TopRows(top), r => r.Name.Contains("AllocationWorkload.SiteA", StringComparison.Ordinal));
        Assert.InRange(cum, siteA * 0.99, siteA * 1.01);
    }

    [Fact]
    public async Task A_program_started_under_the_tool_is_recorded_from_its_start_and_ended_with_the_session()
    {
        JsonElement report = await RunAsync("alloc", "--duration", "3s", "--top", "0", "--", DotnetHost.Find(), TestPaths.TargetDll, "alloc", "detached");
        Assert.True(SiteValue(report, "SiteA", 0) > 0);
        Assert.Equal("StackDepot.Cli.Tests.Target", report.GetProperty("properties").GetProperty("process").GetString());
        int pid = int.Parse(report.GetProperty("properties").GetProperty("pid").GetString()!, CultureInfo.InvariantCulture);
        Assert.False(DotNetProcess.Exists(pid), "the program started under the tool still runs");
        Assert.Contains("duration reached", report.GetProperty("properties").GetProperty("recorded").GetString());

        // Start-up counts: the runtime waited for the session before running Main, whose first call allocates 2.4 MB
        // (23 samples expected; none at all once in ten billion runs).
        Assert.True(SiteValue(report, "StartupSite", 0) > 0);
    }

    [Fact]
    public async Task Ctrl_C_ends_the_session_and_the_report_is_still_written()
    {
        using var interrupt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        JsonElement report = await RunAsync(interrupt.Token, "alloc", "--pid", Pid, "--duration", "5m");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1));
        Assert.Contains("interrupted", report.GetProperty("properties").GetProperty("recorded").GetString());
        Assert.True(SiteValue(report, "SiteA", 0) > 0);
        await target.AssertRunningAsync();
    }

    [Fact]
    public async Task Bad_input_is_one_line_and_an_exit_code_and_the_target_is_left_alone()
    {
        string json = Path.Combine(_directory.FullName, "r.json");
        await AssertFailsAsync(2, "--duration takes a time such as 30s, 500ms or 2m, not '0'", "alloc", "--pid", Pid, "--duration", "0");
        await AssertFailsAsync(2, "--duration takes a time such as 30s, 500ms or 2m, not 'soon'", "leaks", "--pid", Pid, "--duration", "soon");
        await AssertFailsAsync(2, "--duration takes a time such as 30s, 500ms or 2m, not '-5s'", "alloc", "--pid", Pid, "--duration", "-5s");
        await AssertFailsAsync(2, "give a target", "alloc");
        await AssertFailsAsync(2, "give only one target", "alloc", "--pid", Pid, "--", "dotnet", "x.dll");
        await AssertFailsAsync(2, "'dead'", "alloc", "--pid", Pid, "--view", "dead");
        await AssertFailsAsync(8, "cannot write output file", "alloc", "--pid", Pid, "-o", Path.Combine(_directory.FullName, "missing", "r.json"));
        await AssertFailsAsync(3, "no such process", "alloc", "--pid", UnusedPid().ToString(CultureInfo.InvariantCulture), "-o", json);
        await AssertFailsAsync(3, "no .NET process named", "leaks", "--name", "no-such-app-xyz", "-o", json);
        await AssertFailsAsync(10, "cannot start", "alloc", "-o", json, "--", Path.Combine(_directory.FullName, "no-such-program"));
        await AssertFailsAsync(10, "exited with code 3 before its .NET runtime connected", "alloc", "-o", json, "--", "/bin/sh", "-c", "exit 3");
        await target.AssertRunningAsync();

        using (var sleeper = Process.Start("sleep", "60"))
        {
            await AssertFailsAsync(4, "no .NET diagnostics endpoint", "alloc", "--pid", sleeper.Id.ToString(CultureInfo.InvariantCulture), "-o", json);
            Assert.False(sleeper.HasExited);
            sleeper.Kill();
        }

        (LineProcess disabled, _) = await TargetProcessFixture.StartAsync(["alloc"], new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" });
        int pid = disabled.Process.Id;
        try
        {
            await AssertFailsAsync(4, "DOTNET_EnableDiagnostics=0", "leaks", "--pid", pid.ToString(CultureInfo.InvariantCulture), "-o", json);
            await TargetChecks.AssertRunningAsync(disabled, pid);
        }
        finally
        {
            TargetChecks.Stop(disabled);
        }

        Assert.False(File.Exists(json));
        Assert.Empty(_directory.GetFiles());
    }

    [Fact]
    public async Task The_real_command_prints_progress_on_stderr_and_the_report_on_stdout()
    {
        CliResult result = await Cli.RunAsync("alloc", "--pid", Pid, "--duration", "2s", "--top", "3");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("Allocations of StackDepot.Cli.Tests.Target (pid " + Pid + ")\n", result.StdOut);
        Assert.Contains("allocated at:\n    StackDepot.Cli.Tests.Target!StackDepot.Cli.Tests.Target.AllocationWorkload.Site", result.StdOut);
        Assert.Matches(@"stackdepot: \d+/2 s: [\d,]+ samples, [\d,]+ distinct stacks", result.StdErr);
        Assert.DoesNotContain("stackdepot:", result.StdOut);
        await target.AssertRunningAsync();
    }

    private string Pid => target.Pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Asserts the three sites' shares of their estimated bytes. Each byte is sampled with probability 1/R, so an object
    /// of s bytes with p = 1 - exp(-s/R), and a sample stands for s/p bytes. Over B_j bytes of s_j-byte objects the
    /// estimate's variance is V_j = B_j c_j with c_j = s_j (1 - p_j) / p_j. By the delta method the share S_i = B_i / T
    /// has the variance ((1 - S_i)^2 S_i c_i + S_i^2 sum_{j != i} S_j c_j) / T.
    /// </summary>
    private void AssertShares(double[] bytes)
    {
        double total = bytes.Sum();
        Assert.True(total > 20e6, $"only {total:N0} bytes estimated");
        double[] c = target.Sizes.Select(s => s * Math.Exp(-s / Rate) / (1 - Math.Exp(-s / Rate))).ToArray();
        for (int i = 0; i < 3; i++)
        {
            double s = TrueShares[i];
            double others = Enumerable.Range(0, 3).Where(j => j != i).Sum(j => TrueShares[j] * c[j]);
            double sd = Math.Sqrt(((1 - s) * (1 - s) * s * c[i] + s * s * others) / total);
            double share = bytes[i] / total;
            Assert.True(Math.Abs(share - s) <= Z * sd,
                $"site {"ABC"[i]}: estimated share {share:P2}, true {s:P0}, bound +-{Z * sd:P2} (estimates {string.Join(", ", bytes.Select(b => b.ToString("N0")))})");
        }
    }

    private static async Task AssertFailsAsync(int code, string message, params string[] args)
    {
        CliResult result = await InProcessCli.RunAsync(args);
        Assert.True(code == result.ExitCode, result.ToString());
        Assert.Empty(result.StdOut);
        string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("stackdepot: error: ", line);
        Assert.Contains(message, line);
    }

    private static int UnusedPid()
    {
        int pid = 4_000_000;
        while (DotNetProcess.Exists(pid))
        {
            pid--;
        }

        return pid;
    }

    private Task<JsonElement> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    private async Task<JsonElement> RunAsync(CancellationToken cancellation, params string[] args)
    {
        string path = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N") + ".json");
        var console = new TestConsole();
        int split = Array.IndexOf(args, "--") is >= 0 and int i ? i : args.Length; // the options go before a -- COMMAND
        int code = await Program.RunAsync([.. args[..split], "-q", "-f", "json", "-o", path, .. args[split..]], console, cancellation);
        Assert.True(code == 0, $"exit {code}: {console.StdErr}");
        using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        return document.RootElement.Clone();
    }

    private static string[] ValueTypeNames(JsonElement report) =>
        report.GetProperty("valueTypes").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();

    /// <summary>The stack whose innermost workload frame is the site (the allocating method is the innermost managed frame).</summary>
    private static JsonElement Entry(JsonElement report, string site) =>
        report.GetProperty("stacks").EnumerateArray().Single(s =>
            s.GetProperty("frames").GetArrayLength() > 0 &&
            s.GetProperty("frames")[0].GetProperty("name").GetString()!.StartsWith("StackDepot.Cli.Tests.Target.AllocationWorkload." + site + "(", StringComparison.Ordinal));

    private static double SiteValue(JsonElement report, string site, int value) =>
        report.GetProperty("stacks").EnumerateArray()
            .Where(s => s.GetProperty("frames").GetArrayLength() > 0 &&
                        s.GetProperty("frames")[0].GetProperty("name").GetString()!.StartsWith("StackDepot.Cli.Tests.Target.AllocationWorkload." + site + "(", StringComparison.Ordinal))
            .Sum(s => s.GetProperty("values")[value].GetDouble());
}
