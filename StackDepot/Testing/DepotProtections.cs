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
}
