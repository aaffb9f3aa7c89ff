using System.Runtime.CompilerServices;
using System.Runtime.ConstrainedExecution;
using System.Runtime.InteropServices;

namespace StackDepot.Storage;

/// <summary>
/// The hash table's bucket heads: one 32-bit handle value per bucket, 0 for an empty bucket.
/// <para>
/// A hot lookup touches one bucket at random, so a large table spreads even a small working set over thousands of
/// 4 KiB pages and pays a TLB miss per lookup (measured: 119 ns instead of 75 ns per hot hit with a 16 MiB table,
/// docs/benchmarks.md). On Linux a table of 2 MiB or more is therefore mapped anonymously (zero pages, committed
/// lazily), aligned to 2 MiB and advised <c>MADV_HUGEPAGE</c>; elsewhere, or if mapping fails, it is a pinned array.
/// The mapping is released by the finalizer, once the depot that owns the table is unreachable (and so no reader
/// can still hold a pointer into it). It is a critical finalizer: those run after the ordinary finalizers of objects
/// collected at the same time, so an ordinary finalizer that still calls the depot (a leak tracker's sentinel
/// putting its reference, say) never writes into an unmapped table.
/// </para>
/// </summary>
internal sealed unsafe class BucketTable : CriticalFinalizerObject
{
    private const nuint HugePage = 2 << 20;
    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, MadvHugePage = 14;

    private static long s_mappedBytes;

    private readonly uint[]? _array; // fallback storage, pinned
    private readonly nint _mapping;
    private readonly nuint _mappingBytes;

    public BucketTable(int length)
    {
        Length = length;
        nuint bytes = (nuint)length * sizeof(uint);
        if (OperatingSystem.IsLinux() && bytes >= HugePage && TryMap(bytes, out _mapping, out _mappingBytes, out uint* aligned))
        {
            Buckets = aligned;
            Interlocked.Add(ref s_mappedBytes, (long)_mappingBytes); // pairs with the Interlocked.Add in the finalizer
            return;
        }

        _array = GC.AllocateArray<uint>(length, pinned: true);
        Buckets = (uint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
    }

    ~BucketTable()
    {
        if (_mapping != 0)
        {
            _ = munmap(_mapping, _mappingBytes);
            Interlocked.Add(ref s_mappedBytes, -(long)_mappingBytes); // pairs with the Interlocked.Add in the constructor
        }
    }

    /// <summary>Bytes currently mapped for tables in this process (test-only).</summary>
    internal static long MappedBytes => Interlocked.Read(ref s_mappedBytes); // pairs with the Interlocked.Add calls

    /// <summary>First bucket. Valid for as long as this table is reachable.</summary>
    public uint* Buckets { get; }

    /// <summary>Number of buckets.</summary>
    public int Length { get; }

    /// <summary>True when the table is a huge-page-advised mapping rather than a pinned array.</summary>
    public bool IsMapped => _mapping != 0;

    private static bool TryMap(nuint bytes, out nint mapping, out nuint mappingBytes, out uint* aligned)
    {
        mapping = 0;
        aligned = null;
        mappingBytes = bytes + HugePage; // room to align the start to a huge page
        try
        {
            nint address = mmap(0, mappingBytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (address == -1 || address == 0)
            {
                return false;
            }

            mapping = address;
            nuint start = ((nuint)address + HugePage - 1) & ~(HugePage - 1);
            _ = madvise((nint)start, bytes, MadvHugePage); // advice only: without huge pages the table still works
            aligned = (uint*)start;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint addr, nuint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(nint addr, nuint length, int advice);
}
