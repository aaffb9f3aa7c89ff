using System.Runtime.CompilerServices;
using StackDepot.Storage;
using StackDepot.Tests.Core;

namespace StackDepot.Tests.Storage;

[Collection(nameof(BucketTableTests))]
public sealed class BucketTableTests
{
    [Fact]
    public void A_large_table_on_linux_is_a_zeroed_huge_page_aligned_mapping()
    {
        var table = new BucketTable(1 << 20);
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(table.IsMapped);
            return;
        }

        Assert.True(table.IsMapped);
        unsafe
        {
            Assert.Equal(0UL, (ulong)table.Buckets % (2 << 20));
            for (int i = 0; i < table.Length; i += 4099)
            {
                Assert.Equal(0u, table.Buckets[i]);
                table.Buckets[i] = (uint)i;
            }

            Assert.Equal(4099u * 3, table.Buckets[4099 * 3]);
        }

        GC.KeepAlive(table);
    }

    [Fact]
    public void A_small_table_is_a_pinned_array()
    {
        var table = new BucketTable(16);
        Assert.False(table.IsMapped);
        GC.KeepAlive(table);
    }

    [Fact]
    public void The_mapping_of_an_unreachable_depot_is_released()
    {
        // A long weak reference dies only once the object's finalizer (which unmaps) has run and it is reclaimed.
        WeakReference table = UseAndDropDepot();
        for (int i = 0; i < 10 && table.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(table.IsAlive, "the table of an unreachable depot was never finalized");
    }

    [Fact]
    public void A_finalizer_that_puts_the_last_reference_runs_before_the_table_is_unmapped()
    {
        // The holder's ordinary finalizer drops the last reference of a record, which unlinks it: a write into the
        // bucket table. Depot, table and holder die in the same collection. The table's finalizer is critical, so it
        // runs after the holder's; with an ordinary one the table could be unmapped first and the put would crash
        // the test process (it does, when BucketTable derives from object instead).
        PutOnFinalize.Reset();
        WeakReference table = DropDepotWithFinalizingHolders();
        for (int i = 0; i < 10 && table.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(table.IsAlive, "the table was never finalized");
        Assert.Equal(PutOnFinalize.Created, PutOnFinalize.Put);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference DropDepotWithFinalizingHolders()
    {
        var depot = new Depot(new DepotOptions { TableSize = 1 << 20, CapacityBytes = 64 << 20 });
        Assert.Equal(OperatingSystem.IsLinux(), depot.Table.IsMapped);
        for (int i = 0; i < 64; i++)
        {
            _ = new PutOnFinalize(depot, depot.Save(StackGen.Stack(i, 12), SaveFlags.Get));
        }

        return new WeakReference(depot.Table, trackResurrection: true);
    }

    private sealed class PutOnFinalize
    {
        private static int s_created, s_put;
        private readonly Depot _depot;
        private readonly StackHandle _handle;

        public PutOnFinalize(Depot depot, StackHandle handle)
        {
            _depot = depot;
            _handle = handle;
            Interlocked.Increment(ref s_created); // statistics only: pairs with the Volatile.Read in Created
        }

        ~PutOnFinalize()
        {
            _depot.Put(_handle); // the last reference: unlinks the record from its bucket
            Interlocked.Increment(ref s_put); // statistics only: pairs with the Volatile.Read in Put
        }

        public static int Created => Volatile.Read(ref s_created); // pairs with the Interlocked.Increment in the constructor

        public static int Put => Volatile.Read(ref s_put); // pairs with the Interlocked.Increment in the finalizer

        public static void Reset()
        {
            Interlocked.Exchange(ref s_created, 0); // pairs with the Volatile.Read in Created
            Interlocked.Exchange(ref s_put, 0); // pairs with the Volatile.Read in Put
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UseAndDropDepot()
    {
        var depot = new Depot(new DepotOptions { TableSize = 1 << 22, CapacityBytes = 64 << 20 });
        StackHandle h = depot.Save(StackGen.Stack(1, 12));
        Assert.Equal(StackGen.Stack(1, 12), depot.Fetch(h));
        Assert.Equal(OperatingSystem.IsLinux(), depot.Table.IsMapped);
        return new WeakReference(depot.Table, trackResurrection: true);
    }
}
