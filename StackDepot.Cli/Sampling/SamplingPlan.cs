namespace StackDepot.Cli.Sampling;

/// <summary>When to take snapshots: at most <see cref="MaxSamples"/>, one every <see cref="Interval"/>, for at most
/// <see cref="Duration"/>; each may take <see cref="Budget"/>.</summary>
/// <param name="MaxSamples">Snapshots to take at most; null for no limit.</param>
/// <param name="Interval">From the start of one snapshot to the start of the next.</param>
/// <param name="Duration">How long to sample at most; null for no limit.</param>
/// <param name="Budget">Time allowed per snapshot.</param>
internal sealed record SamplingPlan(int? MaxSamples, TimeSpan Interval, TimeSpan? Duration, TimeSpan Budget)
{
    /// <summary>One snapshot (for the progress of a command that takes one).</summary>
    public static SamplingPlan Once { get; } = new(1, TimeSpan.Zero, null, TimeSpan.Zero);
}
