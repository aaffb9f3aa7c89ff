namespace StackDepot.Testing;

/// <summary>Named points where a test can pause a depot operation to force an interleaving (internal).</summary>
internal enum DepotHookPoint
{
    /// <summary>A lock-free lookup starts (value: the bucket).</summary>
    LookupStart,

    /// <summary>A lookup reached a record in a bucket chain, before pass 1 and before reading its link.</summary>
    LookupVisitRecord,

    /// <summary>A lookup walking a prefix of persistent records without a read section read a refcounted link and is
    /// about to announce its epoch (the value is that link, read unprotected).</summary>
    LookupBeforeAnnounce,

    /// <summary>Pass 1 (hash and length) matched; the reference (pass 2) is not taken yet.</summary>
    LookupAfterHashMatch,

    /// <summary>Pass 2 done (reference taken or not needed); the full compare (pass 3) has not run.</summary>
    LookupAfterReference,

    /// <summary>A save missed in the lock-free pass and is about to take the insert lock.</summary>
    BeforeInsertLock,

    /// <summary>A put read the record's state and is about to change the count.</summary>
    PutAfterRead,

    /// <summary>A fetch validated the handle inside its read section and is about to copy the frames.</summary>
    FetchInSection,

    /// <summary>A record was unlinked and put on the free list (under the insert lock).</summary>
    AfterFree,

    /// <summary>A freed slot is about to be reused for a new record (under the insert lock).</summary>
    BeforeReuse,

    /// <summary>A record being freed is unlinked but not yet stamped (or, with <c>StampAfterUnlink</c> off, stamped
    /// but not yet unlinked); under the insert lock.</summary>
    FreeBetweenUnlinkAndStamp,

    /// <summary>A reclaimer has scanned the readers and not yet computed what is reclaimable (value 0; outside the
    /// insert lock).</summary>
    ReclaimAfterScan,

    /// <summary><c>GetStats</c> is adding up the per-thread counters (value 0).</summary>
    StatsSnapshot,

    /// <summary>A metrics collection found the depot not disposed and is about to take its snapshot (value 0).</summary>
    MetricsBeforeSnapshot,
}
