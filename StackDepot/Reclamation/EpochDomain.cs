using System.Runtime.CompilerServices;

namespace StackDepot.Reclamation;

/// <summary>
/// Epoch-based grace periods for one depot's records: the depot's identity for its readers' slots, its epoch, and
/// the two halves of the protocol (readers announce, the reclaimer scans).
/// <para>
/// Readers (lock-free lookups and fetches) <see cref="Enter"/> a <see cref="ReadSection"/>: it announces this
/// domain's epoch in the thread's <see cref="EpochSlot"/> with <see cref="Interlocked.Exchange(ref long, long)"/>, a
/// full fence, before the reader reads any link it will follow, and clears it with a release store when it leaves.
/// A record is unlinked under the depot's insert lock and then stamped with <see cref="Advance"/> (an Interlocked
/// increment, a full fence, after the unlink; <see cref="GracePeriodQueue.RetireLocked"/>). Before the reclaimer decides
/// anything, <see cref="ComputeSafeToReclaimEpoch"/> advances again and then scans the slots. The two full fences
/// make a Dekker pair: either the reader's announcement is seen by the scan, or the reader's reads see the unlink. A
/// volatile store followed by a volatile load would NOT be ordered (store buffering), which is why the announcement
/// is an Interlocked operation.
/// </para>
/// <para>
/// A record stamped S may be reused once every reader still inside a section of this domain announced an epoch of
/// at least S (such a reader read the epoch after the stamping increment, so it saw the unlink).
/// </para>
/// </summary>
internal sealed class EpochDomain
{
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

        Interlocked.Exchange(ref slot.Epoch, Now); // full fence: announce before reading any link; pairs with Advance in Retire and ComputeSafeToReclaimEpoch (Dekker pair)
        return new ReadSection(slot);
    }

    /// <summary>True when <paramref name="slot"/> is inside a read section of this domain.</summary>
    public bool IsInSection(EpochSlot slot) => slot.Epoch != 0 && ReferenceEquals(slot.Domain, this);

    /// <summary>Moves this domain's epoch forward; a full fence. Returns the new epoch.</summary>
    public long Advance() => Interlocked.Increment(ref _epoch); // full fence: pairs with the Interlocked.Exchange of a reader's announcement in Enter

    /// <summary>
    /// Advances the epoch, then scans the readers: returns the newest stamp that is safe to reclaim now, the smallest
    /// epoch announced by a reader inside a section of this domain, or the freshly advanced epoch if there is none.
    /// Advancing first orders the scan after every unlink before it (see the class remarks).
    /// </summary>
    public long ComputeSafeToReclaimEpoch()
    {
        long safe = Advance();
        foreach (EpochSlot slot in EpochSlotRegistry.Slots)
        {
            long announced = Volatile.Read(ref slot.Epoch); // acquire: pairs with the reader's Interlocked.Exchange in Enter and its Volatile.Write in ReadSection.Dispose
            if (announced != 0 && announced < safe && ReferenceEquals(slot.Domain, this))
            {
                safe = announced;
            }
        }

        return safe;
    }
}
