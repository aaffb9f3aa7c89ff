namespace StackDepot;

/// <summary>
/// A snapshot of a depot's counters, as returned by <see cref="Depot.GetStats"/>. Counters are exact once the
/// threads using the depot are quiet; while they run, the figures are a close, possibly slightly torn snapshot.
/// </summary>
public sealed record DepotStats
{
    /// <summary>Storage pools allocated (persistent and refcounted).</summary>
    public int Pools { get; init; }

    /// <summary>Bytes of pool memory reserved (allocated pools).</summary>
    public long BytesReserved { get; init; }

    /// <summary>Bytes of pool memory carved into records (live, free or waiting).</summary>
    public long BytesUsed { get; init; }

    /// <summary>Bytes of the hash table (fixed at construction).</summary>
    public long TableBytes { get; init; }

    /// <summary>Configured capacity in bytes.</summary>
    public long CapacityBytes { get; init; }

    /// <summary>Persistent records (never freed), including refcounted records that were pinned.</summary>
    public long PersistentRecords { get; init; }

    /// <summary>Bytes used by persistent records sized to their stacks.</summary>
    public long PersistentBytes { get; init; }

    /// <summary>Refcounted records currently linked with a non-zero count.</summary>
    public long RefcountedInUse { get; init; }

    /// <summary>Refcounted records ever created (fresh or reused).</summary>
    public long RefcountedAllocations { get; init; }

    /// <summary>Refcounted records freed by their last <see cref="Depot.Put"/>.</summary>
    public long RefcountedFrees { get; init; }

    /// <summary>Calls to <see cref="Depot.Save"/> with a non-empty stack.</summary>
    public long Saves { get; init; }

    /// <summary>Saves answered by an existing record.</summary>
    public long Hits { get; init; }

    /// <summary>Saves that created a record.</summary>
    public long Inserts { get; init; }

    /// <summary>Saves whose stack was longer than <see cref="DepotOptions.MaxFrames"/> and was cut.</summary>
    public long Truncated { get; init; }

    /// <summary>Calls to <see cref="Depot.Put"/> that dropped a reference.</summary>
    public long Puts { get; init; }

    /// <summary>Freed records not yet reused: those still waiting for their grace period (also counted in
    /// <see cref="WaitingForGracePeriod"/>) and those ready for reuse.</summary>
    public long FreeListLength { get; init; }

    /// <summary>Freed records still waiting for their grace period (a reader that might see them is still
    /// inside a read section).</summary>
    public long WaitingForGracePeriod { get; init; }

    /// <summary>Freed records handed out again after their grace period.</summary>
    public long Reused { get; init; }

    /// <summary>Saves that returned <see cref="StackHandle.None"/> because the depot was full.</summary>
    public long Drops { get; init; }

    /// <summary>True once the capacity has been reached at least once.</summary>
    public bool CapacityReached { get; init; }

    /// <summary>Distinct non-empty stacks currently stored (persistent records plus refcounted records in use).</summary>
    public long StacksStored => PersistentRecords + RefcountedInUse;
}
