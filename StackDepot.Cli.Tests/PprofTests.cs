using System.Globalization;
using System.IO.Compression;
using StackDepot.Pprof.Proto;
using StackDepot.Pprof.Tests;

namespace StackDepot.Cli.Tests;

/// <summary><c>stacks --format pprof</c> against the target: decoded, and read by go tool pprof.</summary>
[Collection("cli")]
public sealed class PprofTests(TargetFixture target) : IAsyncLifetime, IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("stackdepot-cli-pprof-");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => target.AssertRunningAsync();

    public void Dispose() => _dir.Delete(recursive: true);

    private string Pid => target.Pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Gunzips and parses a profile.</summary>
    internal static Profile Decode(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return Profile.Parser.ParseFrom(gzip);
    }

    [Fact]
    public async Task A_pprof_capture_counts_each_thread_observation_with_its_id_and_name()
    {
        string file = Path.Combine(_dir.FullName, "stacks.pb.gz");
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "pprof", "--samples", "2", "--interval", "20", "-o", file, "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdOut);

        Profile profile = Decode(file);
        string S(long i) => profile.StringTable[(int)i];
        Assert.Equal(string.Empty, profile.StringTable[0]);
        Assert.Equal("threads/count", S(profile.SampleType.Single().Type) + "/" + S(profile.SampleType.Single().Unit));
        Assert.Equal(("threads", "count", 1L), (S(profile.PeriodType.Type), S(profile.PeriodType.Unit), profile.Period));
        Assert.InRange(DateTimeOffset.UnixEpoch.AddTicks(profile.TimeNanos / 100), DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow);
        Assert.True(profile.DurationNanos >= 20_000_000, "two snapshots 20 ms apart");
        Assert.All(profile.Location, l => Assert.NotEqual(0UL, l.Id));
        Assert.All(profile.Function, f => Assert.NotEqual(0UL, f.Id));

        // Each five-chain thread: one sample of value 2 (seen in both snapshots), labelled with its id and name.
        string[] Stack(Sample s) => [.. s.LocationId.Select(id => S(profile.Function.Single(f => f.Id == profile.Location.Single(l => l.Id == id).Line[0].FunctionId).Name))];
        Sample[] fives = [.. profile.Sample.Where(s => Stack(s).Contains(Reports.FiveInner))];
        Assert.Equal(5, fives.Length);
        Assert.All(fives, s => Assert.Equal(2, s.Value[0]));
        Assert.Equal(["five-0", "five-1", "five-2", "five-3", "five-4"],
            fives.Select(s => S(s.Label.Single(l => S(l.Key) == "thread_name").Str)).Order());
        Assert.Equal(5, fives.Select(s => S(s.Label.Single(l => S(l.Key) == "thread_id").Str)).Distinct().Count());
        Reports.AssertInOrder(Stack(fives[0]), Reports.Park, Reports.FiveInner, Reports.FiveMiddle, Reports.FiveOuter);
        Assert.Equal(2 * 3, profile.Sample.Where(s => Stack(s).Contains(Reports.ThreeSecond)).Sum(s => s.Value[0]));
    }

    [GoFact]
    public async Task Go_tool_pprof_reads_the_capture_with_the_expected_totals_and_frames()
    {
        string file = Path.Combine(_dir.FullName, "stacks.pb.gz");
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "pprof", "-o", file, "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
        long total = Decode(file).Sample.Sum(s => s.Value[0]);

        string top = GoPprof.Run("-top", file);
        Assert.Contains("Type: threads", top, StringComparison.Ordinal);
        Assert.Contains($"of {total} total", top, StringComparison.Ordinal);
        var rows = GoPprof.TopRows(top);
        Assert.Equal(8, Assert.Single(rows, r => r.Name == Reports.Park).Cum);
        Assert.Equal(5, Assert.Single(rows, r => r.Name == Reports.FiveOuter).Cum);
        Assert.Equal(3, Assert.Single(rows, r => r.Name == Reports.ThreeFirst).Cum);

        string traces = GoPprof.Run("-traces", file);
        string block = Assert.Single(traces.Split("-----------+"), b => b.Contains("thread_name:  three-1", StringComparison.Ordinal));
        Reports.AssertInOrder([.. block.Split('\n').Select(l => l.Trim().Split("   ", 2)[^1].Trim())], Reports.Park, Reports.ThreeSecond, Reports.ThreeFirst);
    }

    [Fact]
    public async Task Pprof_to_a_pipe_is_the_same_binary_profile()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "pprof", "-q");
        Assert.True(result.ExitCode == 0, result.ToString());

        // Captured through a pipe as text: the gzip header is there, and nothing else was printed before it.
        Assert.StartsWith("\u001f", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.StdErr);
    }
}
