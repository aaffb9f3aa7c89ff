using StackDepot.Testing;

namespace StackDepot;

/// <content>The statistics snapshot behind <see cref="GetStats"/> and the depot's metrics.</content>
public sealed unsafe partial class Depot
{
    /// <summary>A snapshot even of a depot disposed meanwhile: its storage lives as long as the object, so the figures
    /// are still right. For observers that must never throw (the metrics).</summary>
    internal DepotStats SnapshotForObserver()
    {
        DepotStats stats = Snapshot();
        GC.KeepAlive(this);
        return stats;
    }

    private DepotStats Snapshot()
    {
        Hook?.Invoke(DepotHookPoint.StatsSnapshot, 0);
        var (saves, hits, truncated, puts) = _counters.Snapshot();
        _retired.ScanReaders(); // outside the lock: WaitingForGracePeriod is then as of now
        lock (_locked.Lock)
        {
            long slotBytes = (long)_refcounted.SlotWords * sizeof(ulong);
            long pinned = Volatile.Read(ref _pinned); // pairs with the Interlocked.Increment in Pin, TryAcquire and TryInsertLocked
            int persistentPools = _persistent.Pools.CountLocked, refcountedPools = _refcounted.Pools.CountLocked;
            return new DepotStats
            {
                Pools = persistentPools + refcountedPools,
                BytesReserved = (persistentPools * _persistent.Pools.PoolBytes) + (refcountedPools * _refcounted.Pools.PoolBytes),
                BytesUsed = (_persistent.RecordWords * sizeof(ulong)) + (_refcounted.CarvedLocked * slotBytes),
                TableBytes = (long)_table.Length * sizeof(uint),
                CapacityBytes = _geometry.CapacityBytes,
                PersistentRecords = _persistent.Records + pinned,
                PersistentBytes = _persistent.RecordWords * sizeof(ulong),
                RefcountedInUse = _locked.RefcountedAllocations - _locked.RefcountedFrees - pinned,
                RefcountedAllocations = _locked.RefcountedAllocations,
                RefcountedFrees = _locked.RefcountedFrees,
                Saves = saves,
                Hits = hits,
                Inserts = _locked.Inserts,
                Truncated = truncated,
                Puts = puts,
                FreeListLength = _retired.CountLocked,
                WaitingForGracePeriod = _retired.CountWaitingLocked(),
                Reused = _locked.Reused,
                Drops = _locked.Drops,
                CapacityReached = _locked.CapacityReached,
            };
        }
    }
}
