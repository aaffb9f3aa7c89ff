using System.Globalization;
using StackDepot.Cli.Hosting;
using StackDepot.Pprof.Proto;
using StackDepot.Pprof.Tests;

namespace StackDepot.Cli.Tests;

/// <summary>
/// <c>stackdepot diff</c> on two real captures of a target whose workload changes between them: a target of its own
/// (the shared one must keep its known stacks) that starts two more threads in GrowChain on each <c>grow</c>.
/// </summary>
[Collection("cli")]
public sealed class DiffTests : IAsyncLifetime, IDisposable
{
    private const string GrowInner = "StackDepot.Cli.Tests.Target.GrowChain.Inner()";
    private const string GrowOuter = "StackDepot.Cli.Tests.Target.GrowChain.Outer()";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("stackdepot-diff-");
    private LineProcess? _target;
    private string _pid = "";

    public async Task InitializeAsync()
    {
        _target = new LineProcess(DotnetHost.Find(), [TestPaths.TargetDll]);
        string ready = await _target.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        _pid = ready["READY ".Length..];
    }

    public Task DisposeAsync()
    {
        _target?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private async Task GrowAsync(int expected)
    {
        await _target!.Process.StandardInput.WriteLineAsync("grow");
        await _target.Process.StandardInput.FlushAsync();
        await _target.WaitForLineAsync(l => l == $"grown {expected}", TimeSpan.FromSeconds(30));
    }

    private async Task CaptureAsync(string file, string format)
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", _pid, "--format", format, "-o", PathOf(file), "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>BASE (json) with two GrowChain threads, NEW (pprof) with six; the rest of the workload unchanged.</summary>
    private async Task TwoCapturesAsync()
    {
        await GrowAsync(2);
        await CaptureAsync("base.json", "json");
        await GrowAsync(4);
        await GrowAsync(6);
        await CaptureAsync("new.pb.gz", "pprof");
    }

    [Fact]
    public async Task The_stack_that_grew_is_named_first_with_its_change_in_text_folded_and_pprof()
    {
        await TwoCapturesAsync();

        CliResult text = await Cli.RunAsync("diff", PathOf("base.json"), PathOf("new.pb.gz"));
        Assert.True(text.ExitCode == 0, text.ToString());
        string[] blocks = text.StdOut.Split("\n\n");
        Assert.Contains("stacks: 1 grew, 0 shrank, 0 appeared, 0 vanished", blocks[0], StringComparison.Ordinal);
        string[] first = blocks[1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("+4 (+200.0%): 2 -> 6, grew", first[0]);
        Reports.AssertInOrder(first[1..], Reports.Park, GrowInner, GrowOuter);
        Assert.Equal(2, blocks.Length); // the other stacks did not change

        CliResult folded = await Cli.RunAsync("diff", PathOf("base.json"), PathOf("new.pb.gz"), "--format", "folded");
        Assert.True(folded.ExitCode == 0, folded.ToString());
        string[] lines = folded.StdOut.TrimEnd('\n').Split('\n');
        string grow = Assert.Single(lines, l => l.Contains(GrowInner, StringComparison.Ordinal));
        Assert.EndsWith(" 2 6", grow, StringComparison.Ordinal);
        Assert.Contains(GrowOuter + ";", grow, StringComparison.Ordinal);
        Assert.Single(lines, l => l.Contains(Reports.FiveInner, StringComparison.Ordinal) && l.EndsWith(" 5 5", StringComparison.Ordinal));

        string difference = PathOf("difference.pb.gz");
        CliResult pprof = await Cli.RunAsync("diff", PathOf("base.json"), PathOf("new.pb.gz"), "--format", "pprof", "-o", difference);
        Assert.True(pprof.ExitCode == 0, pprof.ToString());
        Profile profile = PprofTests.Decode(difference);
        Sample only = Assert.Single(profile.Sample); // unchanged stacks have nothing to show
        Assert.Equal(4, only.Value[0]);
    }

    [Fact]
    public async Task Normalized_the_other_stacks_shrink_and_the_grown_one_still_leads()
    {
        await TwoCapturesAsync();
        CliResult text = await Cli.RunAsync("diff", PathOf("base.json"), PathOf("new.pb.gz"), "--normalize");
        Assert.True(text.ExitCode == 0, text.ToString());
        string[] blocks = text.StdOut.Split("\n\n");
        Assert.Contains("(normalized: times ", blocks[0], StringComparison.Ordinal);
        string[] first = blocks[1].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(first, l => l.Contains(GrowInner, StringComparison.Ordinal));
        Assert.EndsWith(", grew", first[0], StringComparison.Ordinal);
        Assert.Contains(blocks, b => b.Contains(Reports.FiveInner, StringComparison.Ordinal) && b.Contains(", shrank", StringComparison.Ordinal));
    }

    [GoFact]
    public async Task Go_tool_pprof_shows_the_difference_as_diff_base_does()
    {
        await GrowAsync(2);
        await CaptureAsync("base.pb.gz", "pprof");
        await GrowAsync(4);
        await CaptureAsync("new.pb.gz", "pprof");
        string difference = PathOf("difference.pb.gz");
        CliResult result = await Cli.RunAsync("diff", PathOf("base.pb.gz"), PathOf("new.pb.gz"), "--format", "pprof", "-o", difference);
        Assert.True(result.ExitCode == 0, result.ToString());

        var ours = GoPprof.TopRows(GoPprof.Run("-top", difference));
        var theirs = GoPprof.TopRows(GoPprof.Run("-top", "-diff_base", PathOf("base.pb.gz"), PathOf("new.pb.gz")));
        Assert.Equal(2, Assert.Single(ours, r => r.Name == GrowOuter).Cum);
        Assert.Equal(Assert.Single(theirs, r => r.Name == GrowOuter).Cum, Assert.Single(ours, r => r.Name == GrowOuter).Cum);
        Assert.Equal(theirs.Where(r => r.Cum != 0).Select(r => (r.Name, r.Cum)).Order(), ours.Where(r => r.Cum != 0).Select(r => (r.Name, r.Cum)).Order());
    }
}
