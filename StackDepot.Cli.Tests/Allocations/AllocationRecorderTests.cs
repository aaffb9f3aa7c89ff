using StackDepot.Cli.Allocations;
using StackDepot.Tracking;

namespace StackDepot.Cli.Tests.Allocations;

public sealed class AllocationRecorderTests
{
    [Fact]
    public void Many_events_on_few_stacks_store_each_stack_once_and_sum_the_estimator()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 8 });
        var recorder = new AllocationRecorder(depot);
        ulong[][] stacks = [[0x10, 0x20, 0x30], [0x11, 0x20, 0x30], [0x12, 0x21]];
        for (int i = 0; i < 30_000; i++)
        {
            recorder.Record(stacks[i % 3], i % 2 == 0 ? "System.Byte[]" : "System.String", 0, 1000, large: false);
        }

        Assert.Equal(3, recorder.DistinctStacks);
        Assert.Equal(3, depot.GetStats().PersistentRecords);
        Assert.Equal(30_000, recorder.Samples);
        double weight = 1.0 / (1.0 - Math.Exp(-1000.0 / 102_400));
        SampledSite first = recorder.Sites[0];
        Assert.Equal(10_000, first.Samples);
        Assert.Equal(10_000 * weight, first.AllocatedObjects, 6);
        Assert.Equal(10_000 * weight * 1000, first.AllocatedBytes, 3);
        Assert.Equal(AllocationSampler.SampleWeight(1000, AllocationRecorder.RuntimeSamplingRate), weight, 12);
        Assert.Equal(["System.Byte[]", "System.String"], first.TypeBytes.Keys.Order());
    }

    [Fact]
    public void A_large_sample_stands_for_fewer_objects_than_a_small_one()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 8 });
        var recorder = new AllocationRecorder(depot);
        recorder.Record([0x1], "Big", 0, 1_000_000, large: true);   // p ~ 1: stands for itself
        recorder.Record([0x2], "Small", 0, 24, large: false);       // p = 24/102400: stands for ~4,267 objects
        double bigWeight = 1 / (1 - Math.Exp(-1_000_000 / 102_400.0)); // 1.00006
        Assert.Equal(bigWeight, recorder.Sites[0].AllocatedObjects, 9);
        Assert.Equal(bigWeight * 1_000_000, recorder.Sites[0].AllocatedBytes, 3);
        Assert.InRange(recorder.Sites[1].AllocatedObjects, 4266, 4268);
        Assert.InRange(recorder.Sites[1].AllocatedBytes, 102_400, 102_413);
    }

    [Fact]
    public void Live_bytes_follow_deaths_and_growth_is_the_slope_over_gen2_collections()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 8 });
        var recorder = new AllocationRecorder(depot);
        ulong address = 0x10_0000;

        // Three gen2 collections; the leaking stack keeps one more sampled object each time, the other keeps none.
        for (int gc = 0; gc < 3; gc++)
        {
            recorder.Record([0xaaa], "Leak", address, 102_400, large: true);
            recorder.Record([0xbbb], "Temp", address + 0x8_0000, 100, large: false);
            recorder.CollectionStarted(2, background: false);
            for (ulong a = 0x10_0000; a <= address; a += 0x10_0000)
            {
                recorder.Survived(a, 102_400); // exactly the leaked object
            }

            recorder.CollectionEnded();
            address += 0x10_0000;
        }

        SampledSite leak = recorder.Sites[0];
        SampledSite temp = recorder.Sites[1];
        Assert.Equal(3, leak.LiveSamples);
        Assert.Equal(0, temp.LiveSamples);
        Assert.Equal(0, temp.LiveBytes, 6);
        double perSample = 102_400 / (1 - Math.Exp(-1.0));
        Assert.Equal(3 * perSample, leak.LiveBytes, 3);
        Assert.Equal(perSample, recorder.GrowthPerGen2(leak), 3);
        Assert.Equal(0, recorder.GrowthPerGen2(temp), 6);
    }

    [Fact]
    public void Growth_is_unknown_before_two_gen2_collections()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 8 });
        var recorder = new AllocationRecorder(depot);
        recorder.Record([0x1], "T", 0x1000, 100, large: false);
        recorder.CollectionStarted(2, background: false);
        recorder.Survived(0x1000, 0x100);
        recorder.CollectionEnded();
        Assert.True(double.IsNaN(recorder.GrowthPerGen2(recorder.Sites[0])));
    }

    [Fact]
    public void Ticks_count_only_while_the_runtime_sends_no_samples()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 8 });
        var recorder = new AllocationRecorder(depot);
        recorder.RecordTick([0x1], "T", 0, 100, 100_000, large: false);
        Assert.True(recorder.FromTicks);
        Assert.Equal(100_000, recorder.Sites[0].AllocatedBytes, 6);
        Assert.Equal(1000, recorder.Sites[0].AllocatedObjects, 6);

        recorder.Record([0x1], "T", 0, 100, large: false);
        recorder.RecordTick([0x1], "T", 0, 100, 100_000, large: false);
        Assert.False(recorder.FromTicks);
        Assert.Equal(1, recorder.Sites[0].Samples);
        Assert.Equal(AllocationSampler.SampleWeight(100, 102_400) * 100, recorder.Sites[0].AllocatedBytes, 6);
    }

    [Fact]
    public void After_the_freeze_allocations_are_ignored_but_collections_still_apply()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 8 });
        var recorder = new AllocationRecorder(depot);
        recorder.Record([0x1], "T", 0x1000, 100, large: false);
        recorder.Freeze();
        recorder.Record([0x1], "T", 0x2000, 100, large: false);
        recorder.RecordTick([0x1], "T", 0x3000, 100, 100_000, large: false);
        Assert.Equal(1, recorder.Samples);
        Assert.Equal(2, recorder.IgnoredAfterFreeze);
        Assert.Equal(1, recorder.TrackedObjects);

        recorder.CollectionStarted(0, background: false);
        recorder.CollectionEnded();
        Assert.Equal(0, recorder.TrackedObjects);
        Assert.Equal(0, recorder.Sites[0].LiveSamples);
    }
}
