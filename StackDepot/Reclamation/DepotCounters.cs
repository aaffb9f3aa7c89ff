namespace StackDepot.Reclamation;

/// <summary>
/// The shared totals of one depot's per-thread counters: what threads that stopped using the depot (or died)
/// counted. Live threads' counts are still in their <see cref="EpochSlot"/>s; a snapshot adds both.
/// </summary>
/// <remarks>
/// Moving a slot's counts here (<see cref="Absorb"/>) and taking a snapshot hold one small lock, so a snapshot sees
/// each count exactly once: either still in the slot or already in the totals. Both are rare (a thread switching
/// depots or dying, a stats read); the hot path only increments its own slot's counters with plain stores.
/// </remarks>
internal sealed class DepotCounters
{
    private readonly Lock _sync = new();
    private long _saves, _hits, _truncated, _puts;

    /// <summary>Moves a slot's counts into the totals and detaches the slot from this depot.</summary>
    public void Absorb(EpochSlot slot)
    {
        lock (_sync)
        {
            _saves += slot.Saves;
            _hits += slot.Hits;
            _truncated += slot.Truncated;
            _puts += slot.Puts;
            slot.Saves = slot.Hits = slot.Truncated = slot.Puts = 0;
            slot.Owner = null;
        }
    }

    /// <summary>Totals of absorbed counts plus the counts still held by live slots owned by this depot.</summary>
    public (long Saves, long Hits, long Truncated, long Puts) Snapshot()
    {
        lock (_sync)
        {
            long saves = _saves, hits = _hits, truncated = _truncated, puts = _puts;
            foreach (EpochSlot slot in EpochDomain.Slots)
            {
                if (ReferenceEquals(slot.Owner, this))
                {
                    // Plain 64-bit reads of counters their owning thread increments: atomic on 64-bit platforms,
                    // at worst a count or two behind while that thread runs, exact once it is quiet.
                    saves += slot.Saves;
                    hits += slot.Hits;
                    truncated += slot.Truncated;
                    puts += slot.Puts;
                }
            }

            return (saves, hits, truncated, puts);
        }
    }
}
