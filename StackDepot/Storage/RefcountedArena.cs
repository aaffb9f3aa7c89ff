using System.Runtime.CompilerServices;
using StackDepot.Testing;

namespace StackDepot.Storage;

/// <summary>
/// Storage for refcounted (evictable) records: fixed-size slots with room for the largest stack, so any
/// freed slot fits any stack, as in the kernel. Freed slots wait for their grace period in the depot's
/// <see cref="Reclamation.GracePeriodQueue"/>; this arena only carves never-used ones.
/// </summary>
internal sealed unsafe class RefcountedArena
{
    private readonly int _slotsPerPoolShift;
    private readonly uint _slotsPerPoolMask;
    private readonly Lock _insertLock;
    private uint _carved; // slots carved so far; written under the lock

    public RefcountedArena(int slotWords, int slotsPerPoolShift, int maxPools, Lock insertLock)
    {
        SlotWords = slotWords;
        _slotsPerPoolShift = slotsPerPoolShift;
        _slotsPerPoolMask = (1u << slotsPerPoolShift) - 1;
        _insertLock = insertLock;
        Pools = new PoolTable(slotWords << slotsPerPoolShift, maxPools, insertLock);
    }

    public PoolTable Pools { get; }

    public int SlotWords { get; }

    /// <summary>Bits of a slot number that give the slot's index in its pool.</summary>
    public int SlotsPerPoolShift => _slotsPerPoolShift;

    public long MaxSlots => (long)Pools.MaxPools << _slotsPerPoolShift;

    /// <summary>Slots carved from pools. Caller holds the insert lock.</summary>
    public uint CarvedLocked
    {
        get
        {
            LockRules.AssertHeld(_insertLock);
            return _carved;
        }
    }

    // The depot resolves trusted handles with its own flattened copy of this formula (one load on the hot path);
    // this one serves the checked resolution of untrusted values below.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* Resolve(uint slot) =>
        Pools[(int)(slot >> _slotsPerPoolShift)] + (nuint)(slot & _slotsPerPoolMask) * (nuint)SlotWords;

    /// <summary>Resolves an untrusted slot number: null if it was never carved.</summary>
    public ulong* TryResolveChecked(uint slot) =>
        slot < Volatile.Read(ref _carved) ? Resolve(slot) : null; // acquire: pairs with the Volatile.Write in TryCarveFreshLocked

    /// <summary>Carves a never-used slot from the installed pools. Caller holds the insert lock.</summary>
    public bool TryCarveFreshLocked(out uint slot)
    {
        LockRules.AssertHeld(_insertLock);
        slot = _carved;
        if ((long)slot >= ((long)Pools.CountLocked << _slotsPerPoolShift))
        {
            return false;
        }

        Volatile.Write(ref _carved, slot + 1); // release: the slot's pool is installed before the slot is admitted; pairs with TryResolveChecked
        return true;
    }
}
