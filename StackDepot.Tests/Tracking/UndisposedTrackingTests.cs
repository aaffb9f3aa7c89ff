using System.Runtime.CompilerServices;
using StackDepot.Tracking;
using StackDepot.Tests.Support;

namespace StackDepot.Tests.Tracking;

// Meters are registered process-wide: an instrument callback holding its owner strongly would keep a sampler or
// tracker that was never disposed alive for the life of the process. These tests run with the other GC-sensitive ones.
[Collection(nameof(GarbageCollectingTests))]
public class UndisposedTrackingTests
{
    [Fact]
    public void An_undisposed_sampler_becomes_collectable()
    {
        using var depot = new Depot();
        WeakReference sampler = UseAndDropSampler(depot);
        CollectUntilDead(sampler);
        Assert.False(sampler.IsAlive, "an undisposed sampler was kept alive (by its meter?)");
    }

    [Fact]
    public void An_undisposed_tracker_becomes_collectable()
    {
        using var depot = new Depot();
        WeakReference tracker = UseAndDropTracker(depot);
        CollectUntilDead(tracker);
        Assert.False(tracker.IsAlive, "an undisposed tracker was kept alive (by its meter?)");
    }

    [Fact]
    public void The_instruments_of_a_collected_sampler_and_tracker_report_nothing()
    {
        using var depot = new Depot();
        WeakReference sampler = UseAndDropSampler(depot);
        WeakReference tracker = UseAndDropTracker(depot);
        CollectUntilDead(sampler);
        CollectUntilDead(tracker);

        Assert.Empty(MeterReadings.Read("stackdepot.allocations.", "sampler", "undisposed-sampler"));
        Assert.Empty(MeterReadings.Read("stackdepot.objects.", "tracker", "undisposed-tracker"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UseAndDropSampler(Depot depot)
    {
        var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1, Seed = 7, Name = "undisposed-sampler" });
        sampler.Record(4096);
        Assert.Equal(1, sampler.GetProfile().Samples);
        Assert.Equal(1, MeterReadings.Read("stackdepot.allocations.", "sampler", "undisposed-sampler")["stackdepot.allocations.samples"]);
        return new WeakReference(sampler, trackResurrection: true);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UseAndDropTracker(Depot depot)
    {
        var tracker = new LeakTracker(depot, new LeakTrackerOptions { Name = "undisposed-tracker" });
        var resource = new object();
        Assert.True(tracker.Track(resource));
        Assert.Equal(ReleaseResult.Released, tracker.Release(resource));
        Assert.Equal(1, MeterReadings.Read("stackdepot.objects.", "tracker", "undisposed-tracker")["stackdepot.objects.released"]);
        return new WeakReference(tracker, trackResurrection: true);
    }

    private static void CollectUntilDead(WeakReference reference)
    {
        for (int i = 0; i < 10 && reference.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }
}
