using StackDepot.Storage;

namespace StackDepot.Tests.Storage;

public sealed class DepotGeometryTests
{
    [Fact]
    public void The_defaults_give_64_KiB_persistent_pools_64_slot_refcounted_pools_and_12_generation_bits()
    {
        DepotGeometry g = DepotGeometry.From(new DepotOptions());
        Assert.Equal(64, g.MaxFrames);
        Assert.Equal(67, g.RecordWords);
        Assert.Equal(8192, g.PersistentPoolWords);                   // 64 KiB
        Assert.Equal(4096, g.PersistentMaxPools);                    // 256 MiB / 64 KiB
        Assert.Equal(6, g.SlotsPerPoolShift);                        // 64 slots of 536 bytes, about PoolBytes / 2
        Assert.Equal(64 * 536, g.RefcountedPoolBytes);
        Assert.Equal((256L << 20) / (64 * 536), g.RefcountedMaxPools);
        Assert.Equal(19, g.Layout.SlotBits);
        Assert.Equal(12, g.Layout.GenerationBits);
        Assert.Equal(1 << 20, g.TableSize);                          // one bucket per 256 bytes of capacity
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void A_persistent_pool_is_a_power_of_two_holding_four_of_the_largest_records(int maxFrames)
    {
        DepotGeometry g = DepotGeometry.From(new DepotOptions { MaxFrames = maxFrames, CapacityBytes = 1L << 30 });
        Assert.True(int.IsPow2(g.PersistentPoolWords));
        Assert.True(g.PersistentPoolWords >= 4 * g.RecordWords);
        Assert.True(g.PersistentPoolWords >= new DepotOptions().PoolBytes / sizeof(ulong));
        Assert.True(g.RefcountedPoolBytes >= g.RecordWords * sizeof(ulong));
    }

    [Theory]
    [InlineData(200, 4096, 4096L, 512, 1, 1)]     // four records would need 8 KiB: the pool shrinks to the capacity
    [InlineData(509, 4096, 4096L, 512, 0, 1)]     // 512 words cannot hold a 512-word record after word 0: no persistent pools
    [InlineData(4096, 65536, 131072L, 16384, 1, 1)]
    public void Pools_never_exceed_the_capacity(int maxFrames, int pool, long capacity, int persistentWords, int persistentPools, int minRefcountedPools)
    {
        DepotGeometry g = DepotGeometry.From(new DepotOptions { MaxFrames = maxFrames, PoolBytes = pool, CapacityBytes = capacity });
        Assert.Equal(persistentWords, g.PersistentPoolWords);
        Assert.Equal(persistentPools, g.PersistentMaxPools);
        Assert.True(g.RefcountedMaxPools >= minRefcountedPools);
        Assert.True(g.RefcountedPoolBytes <= capacity);
        Assert.True((long)g.PersistentPoolWords * sizeof(ulong) <= capacity);
    }

    [Theory]
    [InlineData(1, 4L << 30)]
    [InlineData(1, 16L << 30)]
    [InlineData(16, 16L << 30)]
    public void Refcounted_slots_are_capped_so_that_handles_keep_10_generation_bits(int maxFrames, long capacity)
    {
        DepotGeometry g = DepotGeometry.From(new DepotOptions { MaxFrames = maxFrames, CapacityBytes = capacity });
        Assert.Equal(DepotGeometry.MaxRefcountedSlots, g.MaxSlots);
        Assert.Equal(DepotGeometry.MinGenerationBits, g.Layout.GenerationBits);
        Assert.True(g.PersistentMaxPools * (long)g.PersistentPoolWords * sizeof(ulong) > capacity / 2, "persistent storage keeps the capacity");
    }

    [Fact]
    public void A_capacity_below_one_full_record_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DepotGeometry.From(new DepotOptions { MaxFrames = 65536, PoolBytes = 65536, CapacityBytes = 65536 }));
        Assert.Contains("524312", error.Message);
    }

    [Theory]
    [InlineData(64L << 10, 1 << 12)]
    [InlineData(256L << 20, 1 << 20)]
    [InlineData(16L << 30, 1 << 22)]
    public void The_automatic_table_has_a_bucket_per_256_bytes_of_capacity_within_2_12_and_2_22(long capacity, int expected)
    {
        Assert.Equal(expected, DepotGeometry.From(new DepotOptions { CapacityBytes = capacity }).TableSize);
        Assert.Equal(64, DepotGeometry.From(new DepotOptions { CapacityBytes = capacity, TableSize = 64 }).TableSize);
    }

    [Theory]
    [InlineData(0, 64 << 10, 4096, 0, "MaxFrames")]
    [InlineData(64, 64 << 10, 100, 0, "PoolBytes")]
    [InlineData(64, 1024, 4096, 0, "CapacityBytes")]
    [InlineData(64, 64 << 10, 4096, 3, "TableSize")]
    public void Options_out_of_range_are_refused_with_the_option_named(int maxFrames, long capacity, int pool, int table, string named)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DepotGeometry.From(new DepotOptions
        {
            MaxFrames = maxFrames, CapacityBytes = capacity, PoolBytes = pool, TableSize = table,
        }));
        Assert.Contains(named, error.Message);
    }
}
