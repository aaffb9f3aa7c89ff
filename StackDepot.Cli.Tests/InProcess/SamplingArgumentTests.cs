using StackDepot.Cli.Options;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>The sampling options of <c>stacks</c>, <c>top</c> and <c>demo</c>, in-process: what they refuse, and how
/// <c>--samples</c>, <c>--interval</c>, <c>--duration</c> and <c>--rate</c> combine.</summary>
public sealed class SamplingArgumentTests
{
    [Theory]
    [InlineData("give --interval or --rate, not both", "stacks", "--pid", "1", "--interval", "10", "--rate", "50")]
    [InlineData("--duration takes a time such as 30s, 500ms or 2m, not 'soon'", "stacks", "--pid", "1", "--duration", "soon")]
    [InlineData("--duration takes a time such as 30s, 500ms or 2m, not '-3s'", "stacks", "--pid", "1", "--duration", "-3s")]
    [InlineData("--rate must be between 1 and 1000, not 0", "stacks", "--pid", "1", "--rate", "0")]
    [InlineData("--rate must be between 1 and 1000, not 5000", "top", "--pid", "1", "--rate", "5000")]
    [InlineData("--refresh must be between 100ms and 1m, not '0'", "top", "--pid", "1", "--refresh", "0")]
    [InlineData("--interval takes a time such as 100ms or 2s (a bare number is milliseconds), not 'soon'", "stacks", "--pid", "1", "--interval", "soon")]
    [InlineData("--timeout must be between 1ms and 1h, not '0'", "stacks", "--pid", "1", "--timeout", "0")]
    [InlineData("--rows must be between 1 and 1000, not 0", "top", "--pid", "1", "--rows", "0")]
    [InlineData("--engine takes one of clrmd, eventpipe, clrmd-suspend, not 'frame-pointer'", "stacks", "--pid", "1", "--engine", "frame-pointer")]
    [InlineData("give a target: --pid N or --name NAME", "top")]
    public async Task Bad_sampling_options_are_exit_2_with_one_line(string message, params string[] args)
    {
        CliResult result = await InProcessCli.RunAsync(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("7", 7_000)]
    public void Durations_read_as_users_type_them(string text, double milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out TimeSpan duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("s")]
    [InlineData("1.5.2s")]
    [InlineData("10 minutes")]
    public void Durations_that_are_refused(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Theory]
    // --samples/--interval as before: one sample by default, every 100 ms.
    [InlineData(new[] { "--pid", "1" }, 1, 100.0, null, null)]
    [InlineData(new[] { "--pid", "1", "--samples", "5", "--interval", "20" }, 5, 20.0, null, null)]
    // --duration alone samples at 100 per second (py-spy record) with no count.
    [InlineData(new[] { "--pid", "1", "--duration", "2s" }, null, 10.0, 2.0, 100)]
    [InlineData(new[] { "--pid", "1", "--duration", "2s", "--rate", "50" }, null, 20.0, 2.0, 50)]
    [InlineData(new[] { "--pid", "1", "--duration", "2s", "--interval", "250" }, null, 250.0, 2.0, null)]
    // --rate alone samples until stopped; with --samples, that many.
    [InlineData(new[] { "--pid", "1", "--rate", "20" }, null, 50.0, null, 20)]
    [InlineData(new[] { "--pid", "1", "--rate", "20", "--samples", "7" }, 7, 50.0, null, 20)]
    [InlineData(new[] { "--pid", "1", "--samples", "3", "--interval", "1.5s" }, 3, 1500.0, null, null)]
    [InlineData(new[] { "--pid", "1", "--samples", "3", "--interval", "0" }, 3, 0.0, null, null)]
    public void Samples_interval_duration_and_rate_combine(string[] args, int? samples, double intervalMs, double? durationSeconds, int? rate)
    {
        var options = new SamplingOptions();
        var command = new System.CommandLine.Command("stacks") { new System.CommandLine.Option<int?>("--pid") };
        options.AddTo(command);
        System.CommandLine.ParseResult parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        SamplingSettings settings = options.Read(parse);
        Assert.Equal(samples, settings.Samples);
        Assert.Equal(intervalMs, settings.IntervalMs, 6);
        Assert.Equal(durationSeconds, settings.Duration?.TotalSeconds);
        Assert.Equal(rate, settings.Rate);
    }

    [Theory]
    [InlineData(new string[0], 10_000)]
    [InlineData(new[] { "--timeout", "2500" }, 2_500)]
    [InlineData(new[] { "--timeout", "5s" }, 5_000)]
    [InlineData(new[] { "--timeout", "1m" }, 60_000)]
    public void Times_take_units_and_bare_numbers_keep_their_unit(string[] args, int timeoutMs)
    {
        // --interval and --timeout read times as --duration does; a bare number stays milliseconds, as it always was.
        var options = new SamplingOptions();
        var command = new System.CommandLine.Command("stacks") { new System.CommandLine.Option<int?>("--pid") };
        options.AddTo(command);
        System.CommandLine.ParseResult parse = command.Parse(["--pid", "1", .. args]);
        Assert.Empty(parse.Errors);
        Assert.Equal(timeoutMs, options.Read(parse).TimeoutMs);
    }

    [Fact]
    public async Task Help_gives_each_default_once_and_in_the_options_own_words()
    {
        CliResult stacks = await InProcessCli.RunAsync("stacks", "--help");
        string top = Assert.Single(stacks.StdOut.Split('\n'), l => l.TrimStart().StartsWith("--top", StringComparison.Ordinal));
        Assert.Contains("(default 20; all for folded, speedscope, pprof)", top, StringComparison.Ordinal);
        Assert.DoesNotContain("[default", top, StringComparison.Ordinal);
        Assert.DoesNotContain("00:00", stacks.StdOut, StringComparison.Ordinal);
        Assert.Contains("Show only stacks seen at least N times", stacks.StdOut, StringComparison.Ordinal);

        CliResult alloc = await InProcessCli.RunAsync("alloc", "--help");
        Assert.Contains("Show only stacks with at least N samples", alloc.StdOut, StringComparison.Ordinal);
        Assert.Contains("(default 10s for --pid/--name;", alloc.StdOut, StringComparison.Ordinal);
        CliResult leaks = await InProcessCli.RunAsync("leaks", "--help");
        Assert.Contains("(default 1m for --pid/--name;", leaks.StdOut, StringComparison.Ordinal);
    }
}
