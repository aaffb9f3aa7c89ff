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

    /// <summary>The sites, largest <see cref="AllocationSite.EstimatedBytes"/> first.</summary>
    public required IReadOnlyList<AllocationSite> Sites { get; init; }
}

/// <summary>The samples of one allocation site (one stack) and what they stand for.</summary>
/// <param name="Stack">The site's stack in the sampler's depot; <see cref="StackHandle.None"/> for samples whose stack
/// could not be stored. Valid until the sampler is reset or disposed.</param>
/// <param name="Samples">Samples taken at this site.</param>
/// <param name="SampledBytes">Bytes of those samples, not scaled.</param>
/// <param name="EstimatedObjects">Estimated allocations at this site: the sum of <c>1/p</c> over its samples.</param>
/// <param name="EstimatedBytes">Estimated bytes at this site: the sum of <c>size/p</c> over its samples.</param>
public sealed record AllocationSite(StackHandle Stack, long Samples, long SampledBytes, double EstimatedObjects, double EstimatedBytes);
