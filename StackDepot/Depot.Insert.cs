using StackDepot.Diagnostics;
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
        while (true)
        {
            InsertOutcome outcome;
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

                outcome = TryInsertLocked(bucket, key, frames, get, out uint inserted);
                switch (outcome)
                {
                    case InsertOutcome.Inserted:
                        _locked.Inserts++;
                        return new StackHandle(inserted);
                    case InsertOutcome.Full:
                        _locked.Drops++;
                        if (!_locked.CapacityReached)
                        {
                            _locked.CapacityReached = true;
                            DepotEventSource.Log.CapacityReached(Name, _geometry.CapacityBytes);
                        }

                        return StackHandle.None;
                    case InsertOutcome.NeedPersistentPool:
                    case InsertOutcome.NeedRefcountedPool:
                        poolIsPersistent = outcome == InsertOutcome.NeedPersistentPool;
                        _locked.BytesReserved += (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).PoolBytes;
                        _locked.PoolsInFlight++;
                        break;
                }
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
    private InsertOutcome TryInsertLocked(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get, out uint value)
    {
        LockRules.AssertHeld(_locked.Lock);
        if (get)
        {
            if (TryTakeSlotLocked(out uint slot))
            {
                value = InitRefcountedLocked(slot, bucket, key, frames, count: 1);
                return InsertOutcome.Inserted;
            }

            value = 0;
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
            value = 0;
            return InsertOutcome.NeedPersistentPool;
        }

        if (_locked.PoolsInFlight == 0 && TryTakeSlotLocked(out uint fallback))
        {
            // No room for persistent pools: a free refcounted slot holds the stack, pinned from the start.
            value = InitRefcountedLocked(fallback, bucket, key, frames, count: RecordHeader.Saturated);
            Interlocked.Increment(ref _pinned); // pairs with the Volatile.Read in Snapshot
            return InsertOutcome.Inserted;
        }

        value = 0;
        return _locked.PoolsInFlight > 0 ? InsertOutcome.WaitForPool : InsertOutcome.Full;
    }

    private bool CanReservePoolLocked(PoolTable pools) =>
        pools.CanGrowLocked && _locked.BytesReserved + pools.PoolBytes <= _geometry.CapacityBytes;

    /// <summary>The oldest freed slot if its grace period has passed, else a fresh one. Never waits.</summary>
    private bool TryTakeSlotLocked(out uint slot)
    {
        if (_retired.TryTakeReclaimableLocked(out slot))
        {
            _locked.Reused++;
            Hook?.Invoke(DepotHookPoint.BeforeReuse, _layout.MakeRefcounted(slot, RecordHeader.TagOf(RecordHeader.State(ResolveSlot(slot)))));
            return true;
        }

        return _refcounted.TryCarveFreshLocked(out slot);
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
