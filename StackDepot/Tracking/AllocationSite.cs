namespace StackDepot.Tracking;

/// <summary>The samples of one allocation site (one stack) and what they stand for.</summary>
/// <param name="Stack">The site's stack in the sampler's depot; <see cref="StackHandle.None"/> for samples whose stack
/// could not be stored. Valid until the sampler is reset or disposed.</param>
/// <param name="Samples">Samples taken at this site.</param>
/// <param name="SampledBytes">Bytes of those samples, not scaled.</param>
/// <param name="EstimatedObjects">Estimated allocations at this site: the sum of <c>1/p</c> over its samples.</param>
/// <param name="EstimatedBytes">Estimated bytes at this site: the sum of <c>size/p</c> over its samples.</param>
public sealed record AllocationSite(StackHandle Stack, long Samples, long SampledBytes, double EstimatedObjects, double EstimatedBytes);
