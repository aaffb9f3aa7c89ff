namespace StackDepot;

/// <summary>Sizing and behaviour of a <see cref="Depot"/>. Every property has a sensible default.</summary>
public sealed class DepotOptions
{
    /// <summary>Largest number of frames one stack may use (default 64, as in the kernel). Longer stacks keep
    /// their innermost <see cref="MaxFrames"/> frames (the first entries of the span) and are counted in
    /// <see cref="DepotStats.Truncated"/>. Range 1..65536.</summary>
    public int MaxFrames { get; set; } = 64;

    /// <summary>Upper bound on the bytes of record storage (pools) the depot may reserve (default 256 MiB).
    /// When it is reached, saves that need new space return <see cref="StackHandle.None"/> and are counted in
    /// <see cref="DepotStats.Drops"/>; every stored stack stays intact. Range: at least <see cref="PoolBytes"/> and
    /// one record of <see cref="MaxFrames"/> frames (24 bytes + 8 per frame), at most 16 GiB.</summary>
    public long CapacityBytes { get; set; } = 256L << 20;

    /// <summary>Bytes in one storage pool (default 64 KiB). Pools are allocated on demand, outside the insert
    /// lock. Rounded up so that a pool holds at least a few maximum-size records, and down again if that would not fit
    /// <see cref="CapacityBytes"/>.</summary>
    public int PoolBytes { get; set; } = 64 << 10;

    /// <summary>Number of hash buckets, a power of two; 0 (the default) picks one bucket per 256 bytes of
    /// capacity, clamped to 2^12..2^22. The table never grows.</summary>
    public int TableSize { get; set; }

    /// <summary>Seed for the frame hash. <c>null</c> (the default) picks a random seed per depot, so that
    /// hash flooding cannot be planned from outside.</summary>
    public ulong? HashSeed { get; set; }

    /// <summary>A name for this depot, used as the <c>depot</c> tag on its metrics.</summary>
    public string Name { get; set; } = "default";
}
