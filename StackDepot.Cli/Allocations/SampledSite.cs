namespace StackDepot.Cli.Allocations;

/// <summary>Where a sampled allocation was made: its stack in the depot and what its samples stand for.</summary>
internal sealed class SampledSite(StackHandle stack)
{
    /// <summary>The stack of return addresses (innermost first) in the recorder's depot.</summary>
    public StackHandle Stack { get; } = stack;

    /// <summary>Samples (events) taken at this site.</summary>
    public long Samples { get; set; }

    /// <summary>Estimated objects allocated.</summary>
    public double AllocatedObjects { get; set; }

    /// <summary>Estimated bytes allocated.</summary>
    public double AllocatedBytes { get; set; }

    /// <summary>Samples whose object is still alive.</summary>
    public long LiveSamples { get; set; }

    /// <summary>Estimated objects still alive.</summary>
    public double LiveObjects { get; set; }

    /// <summary>Estimated bytes still alive.</summary>
    public double LiveBytes { get; set; }

    /// <summary>Estimated bytes allocated per type name.</summary>
    public Dictionary<string, double> TypeBytes { get; } = new(StringComparer.Ordinal);

    /// <summary>Sum over gen2 collections of the live bytes after it (for the growth slope).</summary>
    public double Gen2LiveSum { get; set; }

    /// <summary>Sum over gen2 collections of (its index x live bytes after it).</summary>
    public double Gen2WeightedLiveSum { get; set; }
}
