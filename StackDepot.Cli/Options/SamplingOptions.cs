using System.CommandLine;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Options;

/// <summary>Snapshot options: <c>--samples</c>, <c>--interval</c>, <c>--duration</c>, <c>--rate</c>, <c>--engine</c>,
/// <c>--max-frames</c>, <c>--runtime-frames</c>, <c>--raw-names</c>, <c>--group-by</c>, <c>--timeout</c>.</summary>
internal sealed class SamplingOptions
{
    private readonly int? _defaultSamples;
    private readonly int? _defaultRate;

    /// <summary>Creates the options.</summary>
    /// <param name="defaultSamples">The default of <c>--samples</c> when none of <c>--samples</c>, <c>--duration</c> and
    /// <c>--rate</c> is given; null to sample until stopped, at <paramref name="defaultRate"/>.</param>
    /// <param name="defaultRate">The rate when neither <c>--rate</c> nor <c>--interval</c> is given and the run has
    /// no sample count; null for one sample every 100 ms.</param>
    public SamplingOptions(int? defaultSamples = 1, int? defaultRate = null)
    {
        _defaultSamples = defaultSamples;
        _defaultRate = defaultRate;
        Samples = CommonOptions.Positive(new Option<int>("--samples", "-n")
        {
            Description = defaultSamples is { } samples
                ? $"Snapshots to take (default {samples}; no limit with --duration or --rate)"
                : "Snapshots to take (default: until stopped)",
            HelpName = "N",
        });
        Rate = CommonOptions.Range(new Option<int>("--rate", "-r")
        {
            Description = defaultSamples is null
                ? $"Snapshots per second (default {defaultRate ?? 10}), instead of --interval"
                : "Snapshots per second (instead of --interval); alone it samples until Ctrl-C",
            HelpName = "HZ",
        }, 1, 1000);
    }

    public Option<int> Samples { get; }

    public Option<TimeSpan> Interval { get; } = CommonOptions.Time("--interval",
        "From one snapshot's start to the next: 100ms, 1s; a bare number is milliseconds (default 100ms)", "ms", TimeSpan.Zero, TimeSpan.FromHours(1));

    public Option<TimeSpan?> Duration { get; } =
        CommonOptions.Duration("Sample for this long (30s, 500ms, 2m), then report; with --rate (default 100) as 'py-spy record' does");

    public Option<int> Rate { get; }

    public Option<string> Engine { get; } = CommonOptions.OneOf(new Option<string>("--engine")
    {
        Description = "clrmd: stop threads only to copy their stacks, unwind while the target runs (ptrace); " +
                      "eventpipe: the runtime's own sample profiler over the diagnostics port (no ptrace, no root; the runtime pauses about every millisecond); " +
                      "clrmd-suspend: stop the target for the whole walk of every sample (slower; the old way)",
        DefaultValueFactory = _ => "clrmd",
    }, "clrmd", "eventpipe", "clrmd-suspend");

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
        Description = "method: merge addresses within a method; frame: keep exact addresses (with offsets); " +
                      "thread-name: by method under a root frame per thread name (worker-1, worker-2... merge as worker-*)",
        DefaultValueFactory = _ => "method",
    }, "method", "frame", "thread-name");

    public Option<TimeSpan> Timeout { get; } = CommonOptions.Time("--timeout",
        "Give up a snapshot after this long (the target is released): 10s, 500ms; a bare number is milliseconds (default 10s)", "ms",
        TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));

    /// <summary>Adds the options, and the rule that <c>--interval</c> and <c>--rate</c> exclude each other, to
    /// <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Samples, Interval, Duration, Rate, Engine, MaxFrames, RuntimeFrames, RawNames, GroupBy, Timeout })
        {
            command.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetResult(Interval) is { Implicit: false } && result.GetResult(Rate) is { Implicit: false })
            {
                result.AddError("give --interval or --rate, not both");
            }

            if (result.GetValue(Engine) == "eventpipe" && result.GetValue(GroupBy) == "frame")
            {
                result.AddError("--group-by frame needs a ClrMD engine (--engine clrmd): the runtime's sample profiler gives return addresses, named by method");
            }
        });
    }

    /// <summary>The settings given (or defaulted).</summary>
    public SamplingSettings Read(ParseResult parse)
    {
        bool samplesGiven = parse.GetResult(Samples) is { Implicit: false };
        bool intervalGiven = parse.GetResult(Interval) is { Implicit: false };
        bool rateGiven = parse.GetResult(Rate) is { Implicit: false };
        TimeSpan? duration = parse.GetValue(Duration);
        int? samples = samplesGiven ? parse.GetValue(Samples) : duration is null && !rateGiven ? _defaultSamples : null;

        // The pace: --rate, else --interval, else the default rate of a run without a count (py-spy's 100 Hz for a
        // --duration), else every 100 ms.
        int? rate = rateGiven ? parse.GetValue(Rate)
            : intervalGiven ? null
            : duration is not null ? _defaultRate ?? 100
            : samples is null ? _defaultRate
            : null;
        return new SamplingSettings
        {
            Samples = samples,
            IntervalMs = rate is { } hz ? 1000.0 / hz : intervalGiven ? parse.GetValue(Interval).TotalMilliseconds : 100,
            Duration = duration,
            Rate = rate,
            Engine = parse.GetValue(Engine) switch
            {
                "clrmd-suspend" => SamplingEngine.ClrMdSuspend,
                "eventpipe" => SamplingEngine.EventPipe,
                _ => SamplingEngine.ClrMd,
            },
            MaxFrames = parse.GetValue(MaxFrames),
            RuntimeFrames = parse.GetValue(RuntimeFrames),
            RawNames = parse.GetValue(RawNames),
            GroupBy = parse.GetValue(GroupBy) switch
            {
                "frame" => Sampling.GroupBy.Frame,
                "thread-name" => Sampling.GroupBy.ThreadName,
                _ => Sampling.GroupBy.Method,
            },
            TimeoutMs = (int)Math.Ceiling(CommonOptions.TimeOrDefault(parse, Timeout, TimeSpan.FromSeconds(10)).TotalMilliseconds),
        };
    }
}
