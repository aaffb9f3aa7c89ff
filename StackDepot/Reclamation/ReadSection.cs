namespace StackDepot.Reclamation;

/// <summary>
/// A lock-free reader's protection: while it is open, no record its depot unlinks from now on is reused, so every
/// record the reader reaches through a link stays what it was. Opened by <see cref="EpochDomain.Enter"/>, which
/// announces the domain's epoch in the thread's slot; <see cref="Dispose"/> clears the announcement. Use it with
/// <c>using</c>, on one thread, never across an <c>await</c>.
/// </summary>
internal readonly ref struct ReadSection
{
    private readonly EpochSlot _slot;

    internal ReadSection(EpochSlot slot) => _slot = slot;

    /// <summary>Leaves the section: every read made in it happens before the slot says it is out.</summary>
    public void Dispose() => Volatile.Write(ref _slot.Epoch, 0); // release: the section's reads happen before; pairs with the Volatile.Read in EpochDomain.ComputeSafeToReclaimEpoch
}
