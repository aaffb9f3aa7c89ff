using System.Runtime.CompilerServices;

namespace StackDepot.Reclamation;

/// <summary>
/// The process's <see cref="EpochSlot"/>s: one per live thread that ever read a depot, found through a
/// <c>[ThreadStatic]</c> reference, and handed to a new thread once its thread has died.
/// </summary>
internal static class EpochSlotRegistry
{
    private static readonly Lock s_registerLock = new();
    private static EpochSlot[] s_slots = [];

    [ThreadStatic]
    private static EpochSlot? t_slot;

    [ThreadStatic]
    private static SlotReleaser? t_releaser;

    /// <summary>Every slot, live or free. The array only grows (copy on write), so a scan never misses a slot that
    /// existed when it started.</summary>
    public static EpochSlot[] Slots => Volatile.Read(ref s_slots); // acquire: pairs with the Volatile.Write in Register

    /// <summary>The calling thread's slot.</summary>
    public static EpochSlot Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_slot ?? Register();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static EpochSlot Register()
    {
        EpochSlot? slot = null;
        foreach (EpochSlot candidate in Slots)
        {
            if (Interlocked.CompareExchange(ref candidate.InUse, 1, 0) == 0) // full fence: pairs with the Volatile.Write in SlotReleaser's finalizer
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
            slot.Domain = null;
            Volatile.Write(ref slot.InUse, 0); // release: the dead thread's writes happen before the slot can be taken; pairs with the CompareExchange in Register
        }
    }
}
