namespace StackDepot.Tests.Core;

/// <summary>
/// Every configuration the constructor accepts can store a stack of <see cref="DepotOptions.MaxFrames"/> frames
/// either way (persistent, or with Get) in a new depot; the constructor refuses the others and says why.
/// </summary>
public sealed class AcceptedOptionsTests
{
    public static TheoryData<int, int, long> Configurations()
    {
        var data = new TheoryData<int, int, long>();
        foreach (int maxFrames in new[] { 1, 16, 200, 509, 4096, 65536 })
        {
            foreach (int pool in new[] { 4096, 65536 })
            {
                foreach (long capacity in new[] { pool, 2L * pool, 1L << 20, 4L << 20 })
                {
                    data.Add(maxFrames, pool, capacity);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void An_accepted_configuration_stores_a_full_stack_either_way(int maxFrames, int pool, long capacity)
    {
        var options = new DepotOptions { MaxFrames = maxFrames, PoolBytes = pool, CapacityBytes = capacity, TableSize = 16 };
        Depot first;
        try
        {
            first = new Depot(options);
        }
        catch (ArgumentOutOfRangeException refused)
        {
            Assert.Contains("MaxFrames", refused.Message); // refused only because no record of MaxFrames frames fits
            Assert.True(capacity < (3L + maxFrames) * sizeof(ulong), $"refused although one record fits: {refused.Message}");
            return;
        }

        ulong[] full = StackGen.Stack(1, maxFrames);
        using (first)
        {
            Assert.False(first.Save(full).IsNone, "a persistent save of MaxFrames frames dropped in a new depot");
            Assert.Equal(full, first.Fetch(first.Save(full)));
        }

        using (var second = new Depot(options))
        {
            StackHandle counted = second.Save(full, SaveFlags.Get);
            Assert.False(counted.IsNone, "a save with Get of MaxFrames frames dropped in a new depot");
            Assert.Equal(full, second.Fetch(counted));
        }

        DepotStats stats;
        using (var third = new Depot(options))
        {
            third.Save(full, SaveFlags.Get);
            stats = third.GetStats();
            Assert.True(stats.BytesReserved <= capacity);
        }
    }

    [Theory]
    [InlineData(4096, 65536, 131072L)]
    [InlineData(30000, 65536, 1L << 20)]
    public void A_persistent_save_after_a_get_save_finds_room_while_the_capacity_has_some(int maxFrames, int pool, long capacity)
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = maxFrames, PoolBytes = pool, CapacityBytes = capacity, TableSize = 16 });
        Assert.False(depot.Save(StackGen.Stack(1, maxFrames), SaveFlags.Get).IsNone);
        long left = capacity - depot.GetStats().BytesReserved;
        Assert.True(left >= depot.Geometry.RefcountedPoolBytes, "the case needs room for one more refcounted pool");

        StackHandle persistent = depot.Save(StackGen.Stack(2, maxFrames));
        Assert.False(persistent.IsNone, $"a persistent save dropped with {left} bytes of capacity left");
        Assert.Equal(StackGen.Stack(2, maxFrames), depot.Fetch(persistent));
        Assert.True(depot.GetStats().BytesReserved <= capacity);
    }

    [Fact]
    public void A_capacity_that_cannot_hold_one_full_record_is_refused_with_the_reason()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Depot(new DepotOptions
        {
            MaxFrames = 65536, PoolBytes = 65536, CapacityBytes = 65536,
        }));
        Assert.Contains("MaxFrames", error.Message);
        Assert.Contains("CapacityBytes", error.Message);
    }
}
