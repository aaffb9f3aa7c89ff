using StackDepot.Testing;

namespace StackDepot.Reclamation;

/// <summary>
/// Freed slots waiting for their grace period, oldest first, each stamped with the epoch of its retirement. Only the
/// oldest is ever considered for reuse, and only once no reader of the domain can still stand on it; reuse never
/// waits (the caller carves fresh space instead), as the kernel's stack depot does.
/// <para>
/// Every call is made under its owner's lock (the depot's insert lock, checked), so the queue is a plain FIFO with no
/// lock-free list and no ABA problem.
/// </para>
/// </summary>
internal sealed class GracePeriodQueue(EpochDomain domain, Lock ownerLock, DepotTestControls controls)
{
    private readonly Queue<Retired> _retired = new();
    private long _safeToReclaim; // the newest stamp known to be reclaimable; it only grows

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

    /// <summary>Takes the oldest retired slot if its grace period has passed. Never waits.</summary>
    public bool TryTakeReclaimableLocked(out uint slot)
    {
        LockRules.AssertHeld(ownerLock);
        if (_retired.TryPeek(out Retired oldest)
            && (DepotTestControls.IsOff(controls, DepotProtections.GracePeriod)
                || oldest.Stamp <= _safeToReclaim
                || oldest.Stamp <= (_safeToReclaim = domain.ComputeSafeToReclaimEpoch())))
        {
            slot = _retired.Dequeue().Slot;
            return true;
        }

        slot = 0;
        return false;
    }

    /// <summary>Retired slots that a reader may still reach (their stamp is newer than what is safe now).</summary>
    public int CountWaitingLocked()
    {
        LockRules.AssertHeld(ownerLock);
        long safe = DepotTestControls.IsOff(controls, DepotProtections.GracePeriod) ? long.MaxValue : domain.ComputeSafeToReclaimEpoch();
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
