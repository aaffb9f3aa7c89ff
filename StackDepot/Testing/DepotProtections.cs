namespace StackDepot.Testing;

/// <summary>
/// The depot's concurrency protections, each of which a test can switch off (internal, test-only) to show
/// that the test guarding it detects the failure.
/// </summary>
[Flags]
internal enum DepotProtections
{
    /// <summary>No protection named.</summary>
    None = 0,

    /// <summary>A freed record is reused only after its grace period.</summary>
    GracePeriod = 1,

    /// <summary>A lookup takes a reference only if the count is not zero.</summary>
    IncrementNotZero = 2,

    /// <summary>A lookup compares the full frames after taking its reference (pass 3).</summary>
    FinalCompare = 4,

    /// <summary>An insert looks again under the lock before creating a record.</summary>
    RecheckUnderLock = 8,

    /// <summary>A put changes the count with a compare-and-swap (no lost updates).</summary>
    AtomicPut = 16,

    /// <summary>A lookup that reaches a refcounted link while walking persistent records unannounced announces its
    /// epoch and walks again from the bucket head, instead of trusting the link it read unprotected.</summary>
    RestartAfterAnnounce = 32,

    /// <summary>A reader's announcement is a full fence (<c>Interlocked.Exchange</c>), ordered before the reads of its
    /// section; switched off it is a plain store, which the processor may hold in its store buffer past those reads.</summary>
    AnnouncementFence = 64,

    /// <summary>The reclaimer advances the epoch before it scans the readers and bounds what it declares reclaimable by
    /// that epoch; switched off it scans first and advances after, so a record freed during the scan, under a reader
    /// the scan had already passed, is declared reclaimable.</summary>
    AdvanceBeforeScan = 128,

    /// <summary>A freed record is stamped after it is unlinked; switched off it is stamped first, so a reader that
    /// enters between the stamp and the unlink announces the stamp yet still reaches the record.</summary>
    StampAfterUnlink = 256,
}
