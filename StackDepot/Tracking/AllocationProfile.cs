namespace StackDepot.Tracking;

/// <summary>
/// A snapshot of an <see cref="AllocationSampler"/>: raw sample counts and unbiased estimates of what was allocated,
/// per site (stack) and in total.
/// </summary>
public sealed class AllocationProfile
{
    /// <summary>The sampler's mean bytes between samples.</summary>
    public required long SamplingRate { get; init; }

    /// <summary>Samples taken.</summary>
    public required long Samples { get; init; }

    /// <summary>Bytes of the sampled allocations (not scaled).</summary>
    public required long SampledBytes { get; init; }

    /// <summary>Estimated number of allocations recorded (every call to <see cref="AllocationSampler.Record"/>).</summary>
    public required double EstimatedObjects { get; init; }

    /// <summary>Estimated bytes recorded.</summary>
    public required double EstimatedBytes { get; init; }

    /// <summary>Samples whose stack could not be stored (the depot was full); they count in the totals and under the
    /// site with <see cref="StackHandle.None"/>.</summary>
    public required long UnstoredSamples { get; init; }

    /// <summary>When the sampler began recording what this profile holds: its creation or its last
    /// <see cref="AllocationSampler.Reset"/>.</summary>
    public DateTimeOffset Since { get; init; }

    /// <summary>The sites, largest <see cref="AllocationSite.EstimatedBytes"/> first.</summary>
    public required IReadOnlyList<AllocationSite> Sites { get; init; }
}
