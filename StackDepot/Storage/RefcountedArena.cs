using System.Runtime.CompilerServices;

namespace StackDepot.Storage;

/// <summary>
/// Storage for refcounted (evictable) records: fixed-size slots with room for the largest stack, so any
/// freed slot fits any stack, as in the kernel. Freed slots wait on a FIFO free list stamped with the epoch of
/// their unlinking; only the oldest is ever considered for reuse, and only once its grace period has passed.
/// The free list is touched only under the insert lock (no lock-free list, hence no ABA).
/// </summary>
internal sealed unsafe class RefcountedArena
{
    private readonly int _slotsPerPoolShift;
    private readonly uint _slotsPerPoolMask;
    private readonly Queue<FreedSlot> _free = new();
    private uint _carved; // slots carved so far; written under the lock

    public RefcountedArena(int slotWords, int slotsPerPoolShift, int maxPools)
    {
        SlotWords = slotWords;
        _slotsPerPoolShift = slotsPerPoolShift;
        _slotsPerPoolMask = (1u << slotsPerPoolShift) - 1;
        Pools = new PoolTable(slotWords << slotsPerPoolShift, maxPools);
    }

    public PoolTable Pools { get; }

    public int SlotWords { get; }

    /// <summary>Bits of a slot number that give the slot's index in its pool.</summary>
    public int SlotsPerPoolShift => _slotsPerPoolShift;

    public long MaxSlots => (long)Pools.MaxPools << _slotsPerPoolShift;

    /// <summary>Slots carved from pools (lock).</summary>
    public uint CarvedLocked => _carved;

    /// <summary>Freed slots not yet reused, waiting or ready (lock).</summary>
    public int FreeCount => _free.Count;

    // The depot resolves trusted handles with its own flattened copy of this formula (one load on the hot path);
    // this one serves the checked resolution of untrusted values below.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* Resolve(uint slot) =>
        Pools[(int)(slot >> _slotsPerPoolShift)] + (nuint)(slot & _slotsPerPoolMask) * (nuint)SlotWords;

    /// <summary>Resolves an untrusted slot number: null if it was never carved.</summary>
    public ulong* TryResolveChecked(uint slot) =>
        slot < Volatile.Read(ref _carved) ? Resolve(slot) : null; // acquire: pairs with the Volatile.Write in TryCarveFresh

    /// <summary>Carves a never-used slot from the installed pools. Caller holds the insert lock.</summary>
    public bool TryCarveFresh(out uint slot)
    {
        slot = _carved;
        if ((long)slot >= ((long)Pools.CountLocked << _slotsPerPoolShift))
        {
            return false;
        }

        Volatile.Write(ref _carved, slot + 1); // release: the slot's pool is installed before the slot is admitted; pairs with TryResolveChecked
        return true;
    }

    /// <summary>Appends a slot freed at <paramref name="stamp"/>. Caller holds the insert lock.</summary>
    public void AddFree(uint slot, long stamp) => _free.Enqueue(new FreedSlot(slot, stamp));

    /// <summary>The stamp of the oldest freed slot, if any. Caller holds the insert lock.</summary>
    public bool TryPeekOldest(out long stamp)
    {
        if (_free.TryPeek(out FreedSlot oldest))
        {
            stamp = oldest.Stamp;
            return true;
        }

        stamp = 0;
        return false;
    }

    /// <summary>Takes the oldest freed slot. Caller holds the insert lock and has checked its grace period.</summary>
    public uint TakeOldest() => _free.Dequeue().Slot;

    /// <summary>Freed slots whose stamp is newer than <paramref name="safeEpoch"/>. Caller holds the insert lock.</summary>
    public int CountWaiting(long safeEpoch)
    {
        int waiting = 0;
        foreach (FreedSlot freed in _free)
        {
            if (freed.Stamp > safeEpoch)
            {
                waiting++;
            }
        }

        return waiting;
    }

    private readonly record struct FreedSlot(uint Slot, long Stamp);
}
