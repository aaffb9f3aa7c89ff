using System.CommandLine;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Options;

/// <summary>Snapshot options: <c>--samples</c>, <c>--interval</c>, <c>--duration</c>, <c>--rate</c>, <c>--engine</c>,
/// <c>--max-frames</c>, <c>--runtime-frames</c>, <c>--group-by</c>, <c>--timeout</c>.</summary>
internal sealed class SamplingOptions
{
    private readonly int _defaultSamples;

    /// <summary>Creates the options.</summary>
    /// <param name="defaultSamples">The default of <c>--samples</c> when neither <c>--duration</c> nor <c>--rate</c> is given.</param>
    public SamplingOptions(int defaultSamples = 1)
    {
        _defaultSamples = defaultSamples;
        Samples = CommonOptions.Positive(new Option<int>("--samples", "-n")
        {
            Description = $"Snapshots to take (default {defaultSamples}; no limit with --duration or --rate)",
            HelpName = "N",
        });
    }

    public Option<int> Samples { get; }

    public Option<int> Interval { get; } = CommonOptions.NonNegative(new Option<int>("--interval")
    {
        Description = "Milliseconds from one snapshot's start to the next (default 100)",
        HelpName = "MS",
    });

    public Option<TimeSpan?> Duration { get; } = new("--duration")
    {
        Description = "Sample for this long (30s, 500ms, 2m), then report; with --rate (default 100) as 'py-spy record' does",
        HelpName = "TIME",
        CustomParser = result =>
        {
            string? text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (DurationText.TryParse(text, out TimeSpan duration))
            {
                return duration;
            }

            result.AddError($"--duration must be a time such as 30s, 500ms or 2m, not '{text}'");
            return null;
        },
    };

    public Option<int> Rate { get; } = CommonOptions.Range(new Option<int>("--rate", "-r")
    {
        Description = "Snapshots per second (instead of --interval); alone it samples until Ctrl-C",
        HelpName = "HZ",
    }, 1, 1000);

    public Option<string> Engine { get; } = new Option<string>("--engine")
    {
        Description = "clrmd: stop threads only to copy their stacks, unwind while the target runs; " +
                      "clrmd-suspend: stop the target for the whole walk of every sample (slower; the old way)",
        DefaultValueFactory = _ => "clrmd",
    }.AcceptOnlyFromAmong("clrmd", "clrmd-suspend");

    public Option<int> MaxFrames { get; } = CommonOptions.Range(new Option<int>("--max-frames")
    {
        Description = "Keep at most N frames per stack (innermost); no fixed ceiling",
        DefaultValueFactory = _ => 256,
        HelpName = "N",
    }, 1, 65536);

    public Option<bool> RuntimeFrames { get; } = new("--runtime-frames") { Description = "Include runtime frames (helper, transition and other explicit frames)" };

    public Option<string> GroupBy { get; } = new Option<string>("--group-by")
    {
        Description = "method: merge addresses within a method; frame: keep exact addresses (with offsets); " +
                      "thread-name: by method under a root frame per thread name (worker-1, worker-2... merge as worker-*)",
        DefaultValueFactory = _ => "method",
    }.AcceptOnlyFromAmong("method", "frame", "thread-name");

    public Option<int> Timeout { get; } = CommonOptions.Positive(new Option<int>("--timeout")
    {
        Description = "Give up a snapshot after MS milliseconds (the target is released)",
        DefaultValueFactory = _ => 10_000,
        HelpName = "MS",
    });

    /// <summary>Adds the options, and the rule that <c>--interval</c> and <c>--rate</c> exclude each other, to
    /// <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Samples, Interval, Duration, Rate, Engine, MaxFrames, RuntimeFrames, GroupBy, Timeout })
        {
            command.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetResult(Interval) is { Implicit: false } && result.GetResult(Rate) is { Implicit: false })
            {
                result.AddError("give --interval or --rate, not both");
            }
        });
    }

    /// <summary>The settings given (or defaulted).</summary>
    public SamplingSettings Read(ParseResult parse)
    {
        bool samplesGiven = parse.GetResult(Samples) is { Implicit: false };
        TimeSpan? duration = parse.GetValue(Duration);
        bool rateGiven = parse.GetResult(Rate) is { Implicit: false };
        int? rate = rateGiven ? parse.GetValue(Rate) : duration is not null && parse.GetResult(Interval) is null or { Implicit: true } ? 100 : null;
        return new SamplingSettings
        {
            Samples = samplesGiven ? parse.GetValue(Samples) : duration is null && !rateGiven ? _defaultSamples : null,
            IntervalMs = rate is { } hz ? 1000.0 / hz : parse.GetResult(Interval) is { Implicit: false } ? parse.GetValue(Interval) : 100,
            Duration = duration,
            Rate = rate,
            Engine = parse.GetValue(Engine) == "clrmd-suspend" ? SamplingEngine.ClrMdSuspend : SamplingEngine.ClrMd,
            MaxFrames = parse.GetValue(MaxFrames),
            RuntimeFrames = parse.GetValue(RuntimeFrames),
            GroupBy = parse.GetValue(GroupBy) switch
            {
                "frame" => Sampling.GroupBy.Frame,
                "thread-name" => Sampling.GroupBy.ThreadName,
                _ => Sampling.GroupBy.Method,
            },
            TimeoutMs = parse.GetValue(Timeout),
        };
    }
}
