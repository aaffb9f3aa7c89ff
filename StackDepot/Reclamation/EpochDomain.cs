using System.Runtime.CompilerServices;
using StackDepot.Testing;

namespace StackDepot.Reclamation;

/// <summary>
/// Epoch-based grace periods for one depot's records: the depot's identity for its readers' slots, its epoch, and
/// the two halves of the protocol (readers announce, the reclaimer scans).
/// <para>
/// Readers (lock-free lookups and fetches) <see cref="Enter"/> a <see cref="ReadSection"/>: it announces this
/// domain's epoch in the thread's <see cref="EpochSlot"/> with <see cref="Interlocked.Exchange(ref long, long)"/>, a
/// full fence, before the reader reads any link it will follow, and clears it with a release store when it leaves.
/// A record is unlinked under the depot's insert lock and then stamped with <see cref="Advance"/> (an Interlocked
/// increment, a full fence, after the unlink; <see cref="GracePeriodQueue.RetireLocked"/>). A reclaimer calls
/// <see cref="ComputeSafeToReclaimEpoch"/>, outside the insert lock: it advances the epoch, then scans the slots.
/// </para>
/// <para>
/// Why it is enough. A record stamped S is declared reclaimable only if every reader the scan finds inside a section
/// of this domain announced an epoch of at least S, and S is at most the epoch the reclaimer advanced to before its
/// scan. A reader that announced at least S read the epoch after the stamping increment, which follows the unlink,
/// so it cannot reach the record. A reader the scan did not see: the reader's fence (its announcement) and the
/// fences between the unlink and the scan (the stamping increment, the advance) form a Dekker pair, so the reader's
/// reads see the unlink. A record freed during the scan is stamped after the advance, so its stamp is above the
/// bound. A volatile store followed by a volatile load would NOT be ordered (store buffering), which is why the
/// announcement is an Interlocked operation; the reclaim side's fences alone cannot order a reader's own store
/// before its own loads.
/// </para>
/// </summary>
internal sealed class EpochDomain(DepotTestControls? controls = null)
{
    private readonly DepotTestControls _controls = controls ?? new DepotTestControls();
    private long _epoch = 1;

    /// <summary>The current epoch, as a reader announces it.</summary>
    public long Now
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _epoch); // acquire: pairs with the Interlocked.Increment in Advance
    }

    /// <summary>Opens a read section on the calling thread's <paramref name="slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadSection Enter(EpochSlot slot)
    {
        if (!ReferenceEquals(slot.Domain, this))
        {
            slot.Domain = this; // a plain store outside any section: the full fence of the announcement below publishes it
        }

        if (DepotTestControls.IsOff(_controls, DepotProtections.AnnouncementFence))
        {
            Volatile.Write(ref slot.Epoch, Now); // broken variant (test-only): a release store, not ordered before the section's loads
        }
        else
        {
            Interlocked.Exchange(ref slot.Epoch, Now); // full fence: announce before reading any link; pairs with Advance in RetireLocked and ComputeSafeToReclaimEpoch (Dekker pair)
        }

        return new ReadSection(slot);
    }

    /// <summary>True when <paramref name="slot"/> is inside a read section of this domain.</summary>
    public bool IsInSection(EpochSlot slot) => slot.Epoch != 0 && ReferenceEquals(slot.Domain, this);

    /// <summary>Moves this domain's epoch forward; a full fence. Returns the new epoch.</summary>
    public long Advance() => Interlocked.Increment(ref _epoch); // full fence: pairs with the Interlocked.Exchange of a reader's announcement in Enter

    /// <summary>
    /// Advances the epoch, then scans the readers: returns the newest stamp that is safe to reclaim now, the smallest
    /// epoch announced by a reader inside a section of this domain, or the freshly advanced epoch if there is none.
    /// Thread-safe; called outside the insert lock, so records may be freed while it runs: they are stamped after
    /// the advance, above the bound it returns.
    /// </summary>
    public long ComputeSafeToReclaimEpoch()
    {
        bool advanceFirst = !DepotTestControls.IsOff(_controls, DepotProtections.AdvanceBeforeScan);
        long bound = advanceFirst ? Advance() : long.MaxValue;
        long oldestReader = long.MaxValue;
        foreach (EpochSlot slot in EpochSlotRegistry.Slots)
        {
            long announced = Volatile.Read(ref slot.Epoch); // acquire: pairs with the reader's Interlocked.Exchange in Enter and its Volatile.Write in ReadSection.Dispose
            if (announced != 0 && announced < oldestReader && ReferenceEquals(slot.Domain, this))
            {
                oldestReader = announced;
            }
        }

        DepotTestControls.HookOf(_controls)?.Invoke(DepotHookPoint.ReclaimAfterScan, 0);
        if (!advanceFirst)
        {
            bound = Advance(); // broken variant (test-only): a record freed during the scan is stamped below this bound
        }

        return Math.Min(bound, oldestReader);
    }
}
