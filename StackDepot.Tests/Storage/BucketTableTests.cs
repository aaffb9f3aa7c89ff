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
