using System.Globalization;
using System.Text.Json;

namespace StackDepot.Cli.Tests;

/// <summary>Reports say what they are: a cut stack shows no false root; a speedscope file names the CLI's version.</summary>
[Collection("cli")]
public sealed class ReportFidelityTests(TargetFixture target) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every test leaves the target running: not stopped, answering.</summary>
    public Task DisposeAsync() => target.AssertRunningAsync();

    private string Pid => target.Pid.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_stack_cut_by_max_frames_has_a_truncated_root_in_folded_output()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "folded", "--max-frames", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.StdOut.TrimEnd('\n').Split('\n');

        // Without the marker, Park() would be the root of the parked threads' flame: a function no thread started in.
        string parked = Assert.Single(lines, l => l.Contains("StackDepot.Cli.Tests.Target.Program.Park()", StringComparison.Ordinal));
        Assert.StartsWith("(truncated);", parked, StringComparison.Ordinal);
        Assert.EndsWith(" 8", parked, StringComparison.Ordinal);
        Assert.Equal(3, parked[..parked.LastIndexOf(' ')].Split(';').Length);
        Assert.DoesNotContain(lines, l => l.StartsWith("StackDepot.Cli.Tests.Target!StackDepot.Cli.Tests.Target.Program.Park()", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Speedscope_names_the_cli_version_that_version_prints()
    {
        CliResult version = await Cli.RunAsync("--version");
        Assert.True(version.ExitCode == 0, version.ToString());
        string file = Path.Combine(Path.GetTempPath(), $"stackdepot-test-{Guid.NewGuid():N}.speedscope.json");
        try
        {
            CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "speedscope", "-o", file);
            Assert.True(result.ExitCode == 0, result.ToString());
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));

            Assert.Equal("stackdepot " + version.StdOut.Trim(), doc.RootElement.GetProperty("exporter").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Speedscope_samples_are_ordered_by_path()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "speedscope");
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument doc = JsonDocument.Parse(result.StdOut);
        string[] frames = [.. doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!)];
        string[][] paths = [.. doc.RootElement.GetProperty("profiles")[0].GetProperty("samples").EnumerateArray()
            .Select(s => s.EnumerateArray().Select(i => frames[i.GetInt32()]).ToArray())];

        // The target's stacks by count are 5 (thread start), 3 (thread start), 1 (Main)...: by path the two thread-start
        // stacks sit side by side, and every root forms one run.
        Assert.True(paths.Length >= 3);
        for (int i = 1; i < paths.Length; i++)
        {
            Assert.True(Compare(paths[i - 1], paths[i]) <= 0, $"sample {i} out of order:\n{string.Join(';', paths[i - 1])}\n{string.Join(';', paths[i])}");
        }

        string[] roots = [.. paths.Select(p => p[0])];
        Assert.Equal(roots.Distinct().Count(), roots.Where((r, i) => i == 0 || roots[i - 1] != r).Count());
    }

    private static int Compare(string[] a, string[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            int byName = string.CompareOrdinal(a[i], b[i]);
            if (byName != 0)
            {
                return byName;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}
