using StackDepot.Diagnostics;
using StackDepot.Reclamation;
using StackDepot.Storage;
using StackDepot.Testing;

namespace StackDepot;

/// <content>Inserting under the one lock: the re-check, carving or reusing a record, publishing it, and reserving,
/// allocating (outside the lock) and installing pools.</content>
public sealed unsafe partial class Depot
{
    private StackHandle Insert(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get, CounterCell counts)
    {
        Hook?.Invoke(DepotHookPoint.BeforeInsertLock, 0);
        ulong[]? pool = null;
        bool poolIsPersistent = false;
        bool scanned = false; // at most one scan of the readers per insert
        while (true)
        {
            InsertOutcome outcome;
            bool firstTimeFull = false;
            lock (_locked.Lock)
            {
                if (pool != null)
                {
                    (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).InstallLocked(pool);
                    _locked.PoolsInFlight--;
                    pool = null;
                }

                // Look again under the lock: another thread may have inserted the stack since our lock-free pass.
                if (!IsOff(DepotProtections.RecheckUnderLock))
                {
                    uint found = FindLocked(bucket, key, frames, get);
                    if (found != 0)
                    {
                        counts.Hits++;
                        return new StackHandle(found);
                    }
                }

                outcome = TryInsertLocked(bucket, key, frames, get, scanned, out uint inserted);
                switch (outcome)
                {
                    case InsertOutcome.Inserted:
                        _locked.Inserts++;
                        return new StackHandle(inserted);
                    case InsertOutcome.Full:
                        _locked.Drops++;
                        firstTimeFull = !_locked.CapacityReached;
                        _locked.CapacityReached = true;
                        break;
                    case InsertOutcome.NeedPersistentPool:
                    case InsertOutcome.NeedRefcountedPool:
                        poolIsPersistent = outcome == InsertOutcome.NeedPersistentPool;
                        _locked.BytesReserved += (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).PoolBytes;
                        _locked.PoolsInFlight++;
                        break;
                }
            }

            if (outcome == InsertOutcome.Full)
            {
                if (firstTimeFull)
                {
                    // Written after the lock is released: listeners run on this thread and must not run under it.
                    DepotEventSource.Log.CapacityReached(Name, _geometry.CapacityBytes);
                }

                return StackHandle.None;
            }

            if (outcome == InsertOutcome.ScanReaders)
            {
                // The oldest freed slot was freed after the last scan: scan the readers, outside the lock, then look
                // again. Reuse never waits for a reader; at worst this insert carves fresh space.
                _retired.ScanReaders();
                scanned = true;
                continue;
            }

            if (outcome == InsertOutcome.WaitForPool)
            {
                Thread.Yield(); // another thread is allocating the last pool the capacity allows; it installs it shortly
                continue;
            }

            // Rule: memory for a new pool is allocated outside the lock (it may run a garbage collection).
            try
            {
                pool = (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).Allocate();
            }
            catch
            {
                lock (_locked.Lock)
                {
                    _locked.BytesReserved -= (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).PoolBytes;
                    _locked.PoolsInFlight--;
                }

                throw;
            }
        }
    }

    /// <summary>Carves or reuses a record for a new stack and publishes it.</summary>
    private InsertOutcome TryInsertLocked(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get, bool scanned, out uint value)
    {
        LockRules.AssertHeld(_locked.Lock);
        value = 0;
        if (get)
        {
            switch (TryTakeSlotLocked(scanned, out uint slot))
            {
                case SlotOutcome.Taken:
                    value = InitRefcountedLocked(slot, bucket, key, frames, count: 1);
                    return InsertOutcome.Inserted;
                case SlotOutcome.NeedsScan:
                    return InsertOutcome.ScanReaders;
            }

            return CanReservePoolLocked(_refcounted.Pools) ? InsertOutcome.NeedRefcountedPool
                : _locked.PoolsInFlight > 0 ? InsertOutcome.WaitForPool : InsertOutcome.Full;
        }

        if (_persistent.TryCarveLocked(RecordHeader.HeaderWords + frames.Length, out uint location))
        {
            ulong* record = ResolveLocation(location);
            InitRecordLocked(record, location, bucket, key, frames, RecordHeader.MakeState(0, RecordHeader.Saturated));
            value = location;
            return InsertOutcome.Inserted;
        }

        if (CanReservePoolLocked(_persistent.Pools))
        {
            return InsertOutcome.NeedPersistentPool;
        }

        // No room for a persistent pool: a refcounted slot holds the stack, pinned from the start (a new refcounted
        // pool is reserved for it if the capacity allows one).
        if (_locked.PoolsInFlight == 0)
        {
            switch (TryTakeSlotLocked(scanned, out uint fallback))
            {
                case SlotOutcome.Taken:
                    value = InitRefcountedLocked(fallback, bucket, key, frames, count: RecordHeader.Saturated);
                    Interlocked.Increment(ref _pinned); // pairs with the Volatile.Read in Snapshot
                    return InsertOutcome.Inserted;
                case SlotOutcome.NeedsScan:
                    return InsertOutcome.ScanReaders;
            }
        }

        return _locked.PoolsInFlight > 0 ? InsertOutcome.WaitForPool
            : CanReservePoolLocked(_refcounted.Pools) ? InsertOutcome.NeedRefcountedPool
            : InsertOutcome.Full;
    }

    private bool CanReservePoolLocked(PoolTable pools) =>
        pools.CanGrowLocked && _locked.BytesReserved + pools.PoolBytes <= _geometry.CapacityBytes;

    /// <summary>The oldest freed slot if its grace period has passed, else a fresh one. Never waits; asks for a scan
    /// of the readers (done outside the lock) when the oldest freed slot was freed after the last one.</summary>
    private SlotOutcome TryTakeSlotLocked(bool scanned, out uint slot)
    {
        switch (_retired.TryTakeReclaimableLocked(out slot, scanned))
        {
            case GracePeriodQueue.Take.Taken:
                _locked.Reused++;
                Hook?.Invoke(DepotHookPoint.BeforeReuse, _layout.MakeRefcounted(slot, RecordHeader.TagOf(RecordHeader.State(ResolveSlot(slot)))));
                return SlotOutcome.Taken;
            case GracePeriodQueue.Take.NeedsScan:
                return SlotOutcome.NeedsScan;
        }

        return _refcounted.TryCarveFreshLocked(out slot) ? SlotOutcome.Taken : SlotOutcome.None;
    }

    private uint InitRefcountedLocked(uint slot, uint bucket, ulong key, ReadOnlySpan<ulong> frames, uint count)
    {
        ulong* record = ResolveSlot(slot);
        uint generation = RecordHeader.TagOf(RecordHeader.State(record)); // bumped when the slot was freed; 0 when fresh
        uint value = _layout.MakeRefcounted(slot, generation);
        InitRecordLocked(record, value, bucket, key, frames, RecordHeader.MakeState(generation, count));
        _locked.RefcountedAllocations++;
        return value;
    }

    /// <summary>Fills a record and publishes it at the head of its bucket.</summary>
    private void InitRecordLocked(ulong* record, uint value, uint bucket, ulong key, ReadOnlySpan<ulong> frames, long state)
    {
        LockRules.AssertHeld(_locked.Lock);
        RecordHeader.Key(record) = key;
        frames.CopyTo(new Span<ulong>(RecordHeader.Frames(record), frames.Length));
        RecordHeader.Self(record) = value;
        RecordHeader.Next(record) = _buckets[bucket];
        Volatile.Write(ref RecordHeader.State(record), state); // release: key, frames and link are visible to whoever acquires the state (TryFetchCore, TryAcquire, TryResolveChecked)
        Volatile.Write(ref _buckets[bucket], value); // release: publishes the record to lock-free lookups; pairs with the Volatile.Read in Find
    }

    private enum InsertOutcome
    {
        Inserted,
        Full,
        NeedPersistentPool,
        NeedRefcountedPool,
        WaitForPool,
        ScanReaders,
    }

    private enum SlotOutcome
    {
        None,
        Taken,
        NeedsScan,
    }

    /// <summary>
    /// Everything the insert lock guards that is the depot's own (the arenas' carving state and the grace-period
    /// queue are guarded by it too, and check it), with the lock itself, in one place. Invariants, whenever the lock
    /// is free:
    /// <list type="bullet">
    /// <item><see cref="BytesReserved"/> = bytes of installed pools + bytes of the <see cref="PoolsInFlight"/> pools
    /// being allocated outside the lock, and never more than the capacity;</item>
    /// <item><see cref="RefcountedAllocations"/> - <see cref="RefcountedFrees"/> = refcounted records linked (in use
    /// or pinned); slots carved = <see cref="RefcountedAllocations"/> - <see cref="Reused"/>; slots retired and not
    /// yet reused = <see cref="RefcountedFrees"/> - <see cref="Reused"/>;</item>
    /// <item>saves = hits + <see cref="Inserts"/> + <see cref="Drops"/> (the hits are counted per thread).</item>
    /// </list>
    /// </summary>
    private sealed class LockedState
    {
        /// <summary>The insert lock: taken to insert, to free, and for a stats snapshot; never by a lookup.</summary>
        public readonly Lock Lock = new();

        public long BytesReserved;
        public int PoolsInFlight;
        public long Inserts;
        public long Drops;
        public long RefcountedAllocations;
        public long RefcountedFrees;
        public long Reused;
        public bool CapacityReached;
    }
}
