using System.Runtime.CompilerServices;
using StackDepot.Pprof.Proto;
using StackDepot.Reporting;
using StackDepot.Tracking;

namespace StackDepot.Pprof.Tests;

/// <summary>The in-process allocation sampler's and leak tracker's reports written as pprof.</summary>
public class InProcessReportTests
{
    [Fact]
    public void An_allocation_report_is_a_heap_profile_with_estimates_and_the_sampling_rate_as_period()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });

        // Rate 1: every recorded allocation is a sample of weight ~1 (exp(-1000) is 0), so the estimates are exact.
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1, Name = "pprof-test" });
        for (int i = 0; i < 100; i++)
        {
            AllocateSmall(sampler);
        }

        for (int i = 0; i < 50; i++)
        {
            AllocateLarge(sampler);
        }

        StackReport report = sampler.GetReport(new AllocationReportOptions { Top = 0 });
        Profile profile = Profiles.Decode(Profiles.Write(report));
        Profiles.AssertWellFormed(profile);

        Assert.Equal(["alloc_objects/count", "alloc_space/bytes"], profile.SampleTypes());
        Assert.Equal([150L, 100 * 1000 + 50 * 4000], profile.Totals());
        Assert.Equal("alloc_space", profile.S(profile.DefaultSampleType));
        Assert.Equal("space", profile.S(profile.PeriodType.Type));
        Assert.Equal("bytes", profile.S(profile.PeriodType.Unit));
        Assert.Equal(1, profile.Period);
        Assert.True(profile.TimeNanos > 0 && profile.DurationNanos > 0);

        Sample large = Assert.Single(profile.Sample, s => profile.Stack(s).Any(f => f.Contains(nameof(AllocateLarge), StringComparison.Ordinal)));
        Assert.Equal([50L, 200_000], large.Value);

        // Frames of one method at different IL offsets share its function.
        Assert.Equal(profile.Function.Count, profile.Function.Select(f => profile.S(f.Name)).Distinct().Count());
        Assert.DoesNotContain(profile.Function, f => profile.S(f.Name).Contains(" + IL_", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sampled_allocation_report_keeps_the_samplers_mean_as_period()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 4096, Seed = 7 });
        for (int i = 0; i < 2000; i++)
        {
            AllocateLarge(sampler);
        }

        StackReport report = sampler.GetReport(new AllocationReportOptions { Top = 0 });
        Profile profile = Profiles.Decode(Profiles.Write(report));
        Assert.Equal(4096, profile.Period);
        Assert.Equal([report.TotalOf(1), report.TotalOf(0)], profile.Totals());
    }

    [Fact]
    public void A_leak_report_gives_inuse_objects_only()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });
        using var tracker = new LeakTracker(depot, new LeakTrackerOptions { Name = "pprof-test" });
        object[] kept = [new object(), new object(), new object()];
        foreach (object o in kept)
        {
            TrackHere(tracker, o);
        }

        tracker.Release(kept[0]);
        StackReport report = tracker.GetReport(new LeakReportOptions { MaxStacks = 0 });
        Profile profile = Profiles.Decode(Profiles.Write(report));
        Profiles.AssertWellFormed(profile);
        Assert.Equal(["inuse_objects/count"], profile.SampleTypes());
        Assert.Equal([2L], profile.Totals());
        Sample sample = Assert.Single(profile.Sample);
        Assert.Contains(profile.Stack(sample), f => f.Contains(nameof(TrackHere), StringComparison.Ordinal));
        Assert.Equal("objects", profile.S(profile.PeriodType.Type));
        GC.KeepAlive(kept);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AllocateSmall(AllocationSampler sampler) => sampler.Record(1000);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AllocateLarge(AllocationSampler sampler) => sampler.Record(4000);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TrackHere(LeakTracker tracker, object o) => tracker.Track(o);
}
