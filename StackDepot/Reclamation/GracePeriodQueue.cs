using StackDepot.Testing;

namespace StackDepot.Reclamation;

/// <summary>
/// Freed slots waiting for their grace period, oldest first, each stamped with the epoch of its retirement. Only the
/// oldest is ever considered for reuse, and only once no reader of the domain can still stand on it; reuse never
/// waits (the caller carves fresh space instead), as the kernel's stack depot does.
/// <para>
/// The queue itself is touched only under its owner's lock (the depot's insert lock, checked), so it is a plain FIFO
/// with no lock-free list and no ABA problem. The scan of the readers that decides what is reclaimable
/// (<see cref="ScanReaders"/>) runs outside that lock, so that the lock is never held for a walk over every thread;
/// its result only grows.
/// </para>
/// </summary>
internal sealed class GracePeriodQueue(EpochDomain domain, Lock ownerLock, DepotTestControls controls)
{
    private readonly Queue<Retired> _retired = new();
    private long _safeToReclaim; // the newest stamp known to be reclaimable; only grows (CompareExchange)

    /// <summary>What <see cref="TryTakeReclaimableLocked"/> found.</summary>
    public enum Take
    {
        /// <summary>No slot is retired.</summary>
        Empty,

        /// <summary>The oldest slot was reclaimable and is taken.</summary>
        Taken,

        /// <summary>The oldest slot was retired after the last scan: call <see cref="ScanReaders"/> (outside the
        /// lock) and ask again.</summary>
        NeedsScan,

        /// <summary>The last scan found a reader that may still stand on the oldest slot.</summary>
        HeldBack,
    }

    /// <summary>Slots retired and not yet taken back, waiting or ready.</summary>
    public int CountLocked
    {
        get
        {
            LockRules.AssertHeld(ownerLock);
            return _retired.Count;
        }
    }

    /// <summary>Queues a slot whose record was just unlinked. The stamp is taken now, after the unlink, with a
    /// full fence: a reader that announces an epoch at least this stamp read it after the unlink, so it cannot reach
    /// the record.</summary>
    public void RetireLocked(uint slot)
    {
        LockRules.AssertHeld(ownerLock);
        long stamp = DepotTestControls.IsOff(controls, DepotProtections.GracePeriod) ? 0 : domain.Advance();
        _retired.Enqueue(new Retired(slot, stamp));
    }

    /// <summary>Takes the oldest retired slot if the last scan found it reclaimable. Never scans, never waits.</summary>
    /// <param name="slot">The slot taken.</param>
    /// <param name="scanned">True when the caller has just called <see cref="ScanReaders"/>: a slot retired after
    /// the last scan is then <see cref="Take.HeldBack"/> rather than <see cref="Take.NeedsScan"/>.</param>
    public Take TryTakeReclaimableLocked(out uint slot, bool scanned)
    {
        LockRules.AssertHeld(ownerLock);
        slot = 0;
        if (!_retired.TryPeek(out Retired oldest))
        {
            return Take.Empty;
        }

        if (DepotTestControls.IsOff(controls, DepotProtections.GracePeriod) || oldest.Stamp <= Volatile.Read(ref _safeToReclaim)) // acquire: pairs with the CompareExchange in ScanReaders
        {
            slot = _retired.Dequeue().Slot;
            return Take.Taken;
        }

        return scanned ? Take.HeldBack : Take.NeedsScan;
    }

    /// <summary>Scans the readers and records which stamps are now reclaimable. Thread-safe; call it without the
    /// owner's lock.</summary>
    public void ScanReaders()
    {
        long safe = domain.ComputeSafeToReclaimEpoch();
        long seen = Volatile.Read(ref _safeToReclaim); // acquire: pairs with the CompareExchange below
        while (safe > seen)
        {
            long prior = Interlocked.CompareExchange(ref _safeToReclaim, safe, seen); // full fence: pairs with the Volatile.Read in TryTakeReclaimableLocked and CountWaitingLocked; a bound once valid stays valid, so the largest wins
            if (prior == seen)
            {
                return;
            }

            seen = prior;
        }
    }

    /// <summary>Retired slots not known to be reclaimable by the last scan (call <see cref="ScanReaders"/> first for
    /// a fresh answer).</summary>
    public int CountWaitingLocked()
    {
        LockRules.AssertHeld(ownerLock);
        if (DepotTestControls.IsOff(controls, DepotProtections.GracePeriod))
        {
            return 0;
        }

        long safe = Volatile.Read(ref _safeToReclaim); // acquire: pairs with the CompareExchange in ScanReaders
        int waiting = 0;
        foreach (Retired retired in _retired)
        {
            if (retired.Stamp > safe)
            {
                waiting++;
            }
        }

        return waiting;
    }

    private readonly record struct Retired(uint Slot, long Stamp);
}
