using System.CommandLine;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Options;

/// <summary>Snapshot options: <c>--samples</c>, <c>--interval</c>, <c>--max-frames</c>, <c>--runtime-frames</c>,
/// <c>--raw-names</c>, <c>--group-by</c>, <c>--timeout</c>.</summary>
internal sealed class SamplingOptions
{
    /// <summary>Creates the options.</summary>
    /// <param name="defaultSamples">The default of <c>--samples</c>.</param>
    public SamplingOptions(int defaultSamples = 1)
    {
        Samples = CommonOptions.Positive(new Option<int>("--samples", "-n")
        {
            Description = "Snapshots to take; each attaches, walks and detaches",
            DefaultValueFactory = _ => defaultSamples,
            HelpName = "N",
        });
    }

    public Option<int> Samples { get; }

    public Option<int> Interval { get; } = CommonOptions.NonNegative(new Option<int>("--interval")
    {
        Description = "Milliseconds from one snapshot's start to the next",
        DefaultValueFactory = _ => 100,
        HelpName = "MS",
    });

    public Option<int> MaxFrames { get; } = CommonOptions.Range(new Option<int>("--max-frames")
    {
        Description = "Keep at most N frames per stack (innermost); a longer stack ends with a (truncated) frame",
        DefaultValueFactory = _ => 256,
        HelpName = "N",
    }, 1, 65535);

    public Option<bool> RuntimeFrames { get; } = CommonOptions.RuntimeFrames();

    public Option<bool> RawNames { get; } = CommonOptions.RawNames();

    public Option<string> GroupBy { get; } = CommonOptions.OneOf(new Option<string>("--group-by")
    {
        Description = "method: merge addresses within a method; frame: keep exact addresses (with offsets)",
        DefaultValueFactory = _ => "method",
    }, "method", "frame");

    public Option<int> Timeout { get; } = CommonOptions.Positive(new Option<int>("--timeout")
    {
        Description = "Give up a snapshot after MS milliseconds (the target is released)",
        DefaultValueFactory = _ => 10_000,
        HelpName = "MS",
    });

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Samples, Interval, MaxFrames, RuntimeFrames, RawNames, GroupBy, Timeout })
        {
            command.Add(option);
        }
    }

    /// <summary>The settings given (or defaulted).</summary>
    public SamplingSettings Read(ParseResult parse) => new()
    {
        Samples = parse.GetValue(Samples),
        IntervalMs = parse.GetValue(Interval),
        MaxFrames = parse.GetValue(MaxFrames),
        RuntimeFrames = parse.GetValue(RuntimeFrames),
        RawNames = parse.GetValue(RawNames),
        GroupBy = parse.GetValue(GroupBy) == "frame" ? Sampling.GroupBy.Frame : Sampling.GroupBy.Method,
        TimeoutMs = parse.GetValue(Timeout),
    };
}
