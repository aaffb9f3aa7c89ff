using System.Runtime.CompilerServices;

namespace StackDepot.Reclamation;

/// <summary>
/// Epoch-based grace periods for records unlinked from a depot's hash table.
/// <para>
/// Readers (lock-free lookups and fetches) announce the global epoch in their thread's <see cref="EpochSlot"/>
/// with <see cref="Interlocked.Exchange(ref long, long)"/>, a full fence, before they read any bucket, and
/// clear it with a release store when they leave. A record is unlinked under the insert lock and stamped
/// with <see cref="Advance"/> (an Interlocked increment, a full fence, after the unlink). Before the reclaimer
/// decides anything, it advances again and then scans the slots. The two full fences make a Dekker pair: either
/// the reader's announcement is seen by the scan, or the reader's bucket reads see the unlink. A volatile store
/// followed by a volatile load would NOT be ordered (store buffering), which is why the announcement is an
/// Interlocked operation.
/// </para>
/// <para>
/// A record stamped S may be reused once every reader still inside a section of its depot announced an epoch
/// of at least S (such a reader read the epoch after the stamping increment, so it saw the unlink).
/// </para>
/// </summary>
internal static class EpochDomain
{
    private static readonly Lock s_registerLock = new();
    private static long s_epoch = 1;
    private static EpochSlot[] s_slots = [];

    [ThreadStatic]
    private static EpochSlot? t_slot;

    [ThreadStatic]
    private static SlotReleaser? t_releaser;

    /// <summary>The slots of every thread that ever read a depot (dead threads' slots are recycled).</summary>
    public static EpochSlot[] Slots => Volatile.Read(ref s_slots); // acquire: pairs with the Volatile.Write in Register

    /// <summary>The calling thread's slot.</summary>
    public static EpochSlot Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_slot ?? Register();
    }

    /// <summary>The global epoch, as a reader announces it.</summary>
    public static long Now
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref s_epoch); // acquire: pairs with the Interlocked.Increment in Advance
    }

    /// <summary>Moves the global epoch forward; a full fence. Returns the new epoch.</summary>
    public static long Advance() => Interlocked.Increment(ref s_epoch); // full fence: pairs with the Interlocked.Exchange readers announce with

    /// <summary>
    /// The newest stamp that is safe to reuse for <paramref name="owner"/>'s records now: the smallest epoch
    /// announced by a reader inside one of its read sections, or the freshly advanced epoch if there is none.
    /// Advances first, so the scan is ordered after every unlink before it (see the class remarks).
    /// </summary>
    public static long SafeEpoch(object owner)
    {
        long safe = Advance();
        foreach (EpochSlot slot in Slots)
        {
            long announced = Volatile.Read(ref slot.Epoch); // acquire: pairs with the reader's Interlocked.Exchange (entry) and Volatile.Write (exit)
            if (announced != 0 && announced < safe && ReferenceEquals(slot.Owner, owner))
            {
                safe = announced;
            }
        }

        return safe;
    }

    private static EpochSlot Register()
    {
        EpochSlot? slot = null;
        foreach (EpochSlot candidate in Slots)
        {
            if (Interlocked.CompareExchange(ref candidate.InUse, 1, 0) == 0) // pairs with the Volatile.Write in SlotReleaser's finalizer
            {
                slot = candidate;
                break;
            }
        }

        if (slot is null)
        {
            lock (s_registerLock)
            {
                EpochSlot[] old = s_slots;
                slot = new EpochSlot { InUse = 1, Index = old.Length };
                var grown = new EpochSlot[old.Length + 1];
                old.CopyTo(grown, 0);
                grown[^1] = slot;
                Volatile.Write(ref s_slots, grown); // release: the new slot is fully built before scans can see it; pairs with Slots
            }
        }

        t_slot = slot;
        t_releaser = new SlotReleaser(slot);
        return slot;
    }

    /// <summary>
    /// Referenced only from its thread's [ThreadStatic] field: when the thread dies, it becomes unreachable and
    /// its finalizer hands the slot back (a dead thread is never inside a read section).
    /// </summary>
    private sealed class SlotReleaser(EpochSlot slot)
    {
        ~SlotReleaser()
        {
            slot.Owner = null;
            Volatile.Write(ref slot.InUse, 0); // release: the dead thread's writes happen before the slot can be taken; pairs with the CompareExchange in Register
        }
    }
}
