using System.Globalization;
using System.Text.RegularExpressions;

namespace StackDepot.Cli.Tests;

[Collection("cli")]
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_needs_no_arguments_prints_grouped_stacks_and_stops_the_workload()
    {
        CliResult result = await Cli.RunAsync("demo");
        Assert.True(result.ExitCode == 0, result.ToString());
        Match started = Regex.Match(result.StdErr, @"demo workload running as pid (\d+)");
        Assert.True(started.Success, result.StdErr);
        int pid = int.Parse(started.Groups[1].Value, CultureInfo.InvariantCulture);

        List<string[]> blocks = Reports.TextBlocks(result.StdOut);
        // Six order workers on one stack in each of the five samples, the lock convoy next.
        string[] workers = Assert.Single(blocks, b => b.Any(l => l.Contains("DemoWorkload.OrderProcessor.WaitForOrder", StringComparison.Ordinal)));
        Assert.StartsWith("30 samples (", workers[0]);
        Assert.Contains(blocks, b => b.Any(l => l.Contains("DemoWorkload.InventoryCache.Refresh", StringComparison.Ordinal)));
        Assert.Contains(blocks, b => b.Any(l => l.Contains("DemoWorkload.MetricsReporter.Run", StringComparison.Ordinal)));
        Assert.False(Directory.Exists($"/proc/{pid}"), $"the workload (pid {pid}) still runs");
    }
}
