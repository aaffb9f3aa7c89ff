namespace StackDepot.Reclamation;

/// <summary>
/// The shared totals of one depot's per-thread counters: what threads that stopped using the depot (or died)
/// counted. Live threads' counts are still in their <see cref="EpochSlot"/>s; a snapshot adds both.
/// </summary>
internal sealed class DepotCounters
{
    private long _saves, _hits, _truncated, _puts;

    /// <summary>Adds a slot's counts. Rare: on a depot switch or a thread's death.</summary>
    public void Absorb(EpochSlot slot)
    {
        Interlocked.Add(ref _saves, slot.Saves);         // pairs with the Volatile.Read in Snapshot
        Interlocked.Add(ref _hits, slot.Hits);           // pairs with the Volatile.Read in Snapshot
        Interlocked.Add(ref _truncated, slot.Truncated); // pairs with the Volatile.Read in Snapshot
        Interlocked.Add(ref _puts, slot.Puts);           // pairs with the Volatile.Read in Snapshot
    }

    /// <summary>Totals of absorbed counts plus the counts still held by live slots owned by this depot.</summary>
    public (long Saves, long Hits, long Truncated, long Puts) Snapshot()
    {
        long saves = Volatile.Read(ref _saves);         // pairs with Interlocked.Add in Absorb
        long hits = Volatile.Read(ref _hits);           // pairs with Interlocked.Add in Absorb
        long truncated = Volatile.Read(ref _truncated); // pairs with Interlocked.Add in Absorb
        long puts = Volatile.Read(ref _puts);           // pairs with Interlocked.Add in Absorb
        foreach (EpochSlot slot in EpochDomain.Slots)
        {
            if (ReferenceEquals(slot.Owner, this))
            {
                // Plain 64-bit reads of counters another thread increments: atomic on 64-bit platforms,
                // at worst a count or two behind while that thread runs.
                saves += slot.Saves;
                hits += slot.Hits;
                truncated += slot.Truncated;
                puts += slot.Puts;
            }
        }

        return (saves, hits, truncated, puts);
    }
}
