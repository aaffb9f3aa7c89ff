using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StackDepot.Testing;

namespace StackDepot.Storage;

/// <summary>
/// A fixed-size table of storage pools: pinned <c>ulong[]</c> arrays on the pinned object heap (no references
/// inside, so the garbage collector never scans them and never moves them), addressed through raw pointers.
/// The table of pointers is allocated once at its maximum size, so lock-free readers never see it move.
/// Pools are installed under the depot's insert lock; the count is published with release semantics.
/// </summary>
internal sealed unsafe class PoolTable
{
    private readonly ulong[]?[] _pools;   // keeps the pinned pools alive for as long as the depot is reachable
    private readonly nint[] _pointerArray; // pinned; _pointers points into it
    private readonly nint* _pointers;
    private readonly Lock _insertLock;
    private int _count;

    public PoolTable(int poolWords, int maxPools, Lock insertLock)
    {
        _insertLock = insertLock;
        PoolWords = poolWords;
        MaxPools = maxPools;
        _pools = new ulong[]?[maxPools];
        _pointerArray = GC.AllocateArray<nint>(maxPools, pinned: true);
        _pointers = (nint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pointerArray));
    }

    /// <summary>Words (8-byte units) in one pool.</summary>
    public int PoolWords { get; }

    /// <summary>Bytes in one pool.</summary>
    public long PoolBytes => (long)PoolWords * sizeof(ulong);

    /// <summary>Most pools this table can hold.</summary>
    public int MaxPools { get; }

    /// <summary>Installed pools, for readers outside the lock.</summary>
    public int Count => Volatile.Read(ref _count); // acquire: pairs with the Volatile.Write in Install

    /// <summary>Installed pools, for the lock holder.</summary>
    public int CountLocked
    {
        get
        {
            LockRules.AssertHeld(_insertLock);
            return _count;
        }
    }

    /// <summary>True when another pool may be installed. Caller holds the insert lock.</summary>
    public bool CanGrowLocked => CountLocked < MaxPools;

    /// <summary>Base address of installed pool <paramref name="index"/>; the caller guarantees it is installed.</summary>
    public ulong* this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (ulong*)_pointers[index];
    }

    /// <summary>The pointer table itself (fixed for the table's life), for callers that resolve records inline.</summary>
    public nint* Pointers => _pointers;

    /// <summary>Allocates a zeroed, pinned pool. Called outside the insert lock.</summary>
    public ulong[] Allocate() => GC.AllocateArray<ulong>(PoolWords, pinned: true);

    /// <summary>Installs a pool allocated by <see cref="Allocate"/>. Caller holds the insert lock.</summary>
    public void InstallLocked(ulong[] pool)
    {
        LockRules.AssertHeld(_insertLock);
        int index = _count;
        _pools[index] = pool;
        _pointers[index] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pool));
        Volatile.Write(ref _count, index + 1); // release: the pointer above is visible before the count admits it; pairs with Count
    }
}
