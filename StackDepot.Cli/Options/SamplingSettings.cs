using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Options;

/// <summary>How to take snapshots of a target's stacks.</summary>
internal sealed record SamplingSettings
{
    /// <summary>Snapshots to take at most (a dump holds one); null for no limit (until <see cref="Duration"/> or Ctrl-C).</summary>
    public int? Samples { get; init; } = 1;

    /// <summary>Milliseconds from the start of one snapshot to the start of the next.</summary>
    public double IntervalMs { get; init; } = 100;

    /// <summary>Stop sampling after this long; null for no limit.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The rate asked for with <c>--rate</c> (samples per second), or null when <c>--interval</c> set the pace.</summary>
    public int? Rate { get; init; }

    /// <summary>The engine for live processes.</summary>
    public SamplingEngine Engine { get; init; } = SamplingEngine.ClrMd;

    /// <summary>Frames kept per stack, the innermost ones (a cut stack then ends with a <c>(truncated)</c> frame).</summary>
    public int MaxFrames { get; init; } = 256;

    /// <summary>Whether runtime (helper, transition, native) frames and the async plumbing are kept.</summary>
    public bool RuntimeFrames { get; init; }

    /// <summary>Whether methods print as the runtime names them rather than as they were written.</summary>
    public bool RawNames { get; init; }

    /// <summary>How frames are keyed: by method or by exact address.</summary>
    public GroupBy GroupBy { get; init; } = GroupBy.Method;

    /// <summary>Milliseconds a snapshot may take before it is given up (the target is released).</summary>
    public int TimeoutMs { get; init; } = 10_000;

    /// <summary>The pace in words: <c>every 100 ms</c>, <c>100 per second</c>.</summary>
    public string PaceText => Rate is { } rate
        ? $"{rate} per second"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"every {IntervalMs:0.#} ms");
}
