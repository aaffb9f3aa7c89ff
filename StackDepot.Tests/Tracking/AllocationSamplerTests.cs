using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using StackDepot.Capture;
using StackDepot.Reporting;
using StackDepot.Tracking;
using StackDepot.Tests.Support;

namespace StackDepot.Tests.Tracking;

public class AllocationSamplerTests
{
    [Fact]
    public void Estimates_of_three_sites_land_within_ten_percent_of_the_truth()
    {
        // Three sites take 50%, 30% and 20% of 32 MiB with sizes far below, near and far above the mean interval
        // R = 4096, so both the small-size regime (p ~ s/R) and the saturated one (p ~ 1) are exercised.
        //
        // Failure probability, independent of the seed: for a site of m allocations of s bytes sampled with
        // p = 1 - exp(-s/R), the estimate sum(s/p) has relative variance (1-p)/(p*m) (the same for the count):
        //   64 B:    p = 0.0155, m = 262,144: relative sd 1.56%, so 10% is 6.4 sd;
        //   2000 B:  p = 0.386,  m = 5,033:   relative sd 1.78%, so 10% is 5.6 sd;
        //   20000 B: p = 0.992,  m = 335:     relative sd 0.48%.
        // With about 6,000 samples the estimates are close to normal: P(|Z| > 5.6) = 2e-8 per assertion, under 1e-7
        // for all six. The seed is fixed as well, so a run is also reproducible.
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 4096, Seed = 12345 });
        const long total = 32L << 20;
        long countA = total / 2 / 64, countB = total * 3 / 10 / 2000, countC = total / 5 / 20000;

        long trueA = 0, trueB = 0, trueC = 0;
        for (long i = 0; i < countA; i++)
        {
            trueA += SiteA(sampler);
        }

        for (long i = 0; i < countB; i++)
        {
            trueB += SiteB(sampler);
        }

        for (long i = 0; i < countC; i++)
        {
            trueC += SiteC(sampler);
        }

        AllocationProfile profile = sampler.GetProfile();
        AllocationSite a = SiteNamed(depot, profile, nameof(SiteA));
        AllocationSite b = SiteNamed(depot, profile, nameof(SiteB));
        AllocationSite c = SiteNamed(depot, profile, nameof(SiteC));

        AssertWithin(trueA, a.EstimatedBytes, 0.10);
        AssertWithin(trueB, b.EstimatedBytes, 0.10);
        AssertWithin(trueC, c.EstimatedBytes, 0.10);
        AssertWithin(countA, a.EstimatedObjects, 0.10);
        AssertWithin(countB, b.EstimatedObjects, 0.10);
        AssertWithin(countC, c.EstimatedObjects, 0.10);
        Assert.Equal(3, profile.Sites.Count);
        Assert.Equal(profile.Samples, a.Samples + b.Samples + c.Samples);
        Assert.Equal(profile.SampledBytes, a.SampledBytes + b.SampledBytes + c.SampledBytes);
        Assert.Equal(new[] { a, b, c }, profile.Sites); // sorted by estimated bytes
    }

    [Fact]
    public void A_rate_of_one_records_every_allocation_exactly()
    {
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });

        for (int i = 0; i < 100; i++)
        {
            SiteA(sampler);
        }

        sampler.Record(0); // ignored

        AllocationProfile profile = sampler.GetProfile();
        Assert.Equal(100, profile.Samples);
        Assert.Equal(100.0, profile.EstimatedObjects);
        Assert.Equal(6400.0, profile.EstimatedBytes);
        Assert.Equal(6400, profile.SampledBytes);
    }

    [Fact]
    public void Intervals_are_exponential_with_the_configured_mean()
    {
        // 200,000 draws with mean R: the sample mean has sd R/sqrt(200,000) = 0.22% of R; 1.5% is 6.7 sd
        // (probability ~2e-11). The fraction of draws at most R should be 1 - 1/e = 0.632 (sd 0.0011; 0.01 is 9 sd).
        const long rate = 512 * 1024;
        ulong state = 42;
        double sum = 0;
        int belowMean = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            long interval = SamplingMath.NextInterval(ref state, rate);
            Assert.True(interval >= 1);
            sum += interval;
            belowMean += interval <= rate ? 1 : 0;
        }

        AssertWithin(rate, sum / n, 0.015);
        Assert.InRange(belowMean / (double)n, 1 - 1 / Math.E - 0.01, 1 - 1 / Math.E + 0.01);
    }

    [Theory]
    [InlineData(64, 524288)]
    [InlineData(4096, 4096)]
    [InlineData(1, 1L << 40)]
    [InlineData(10_000_000, 4096)]
    public void Weights_are_the_inverse_of_the_sampling_probability(long size, long rate)
    {
        double p = SamplingMath.Probability(size, rate);
        double expected = -ExpM1Exact(-(double)size / rate);
        Assert.Equal(expected, p, expected * 1e-12);
        Assert.Equal(1 / p, SamplingMath.Weight(size, rate), (1 / p) * 1e-12);
        Assert.Equal(1.0, SamplingMath.Weight(size, 1));
    }

    [Fact]
    public void A_site_holds_one_depot_reference_until_reset()
    {
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        for (int i = 0; i < 50; i++)
        {
            SiteA(sampler);
            SiteB(sampler);
        }

        Assert.Equal(2, sampler.GetProfile().Sites.Count);
        Assert.Equal(2, depot.GetStats().RefcountedInUse);

        sampler.Reset();

        Assert.Empty(sampler.GetProfile().Sites);
        Assert.Equal(0, sampler.GetProfile().Samples);
        Assert.Equal(0, depot.GetStats().RefcountedInUse);

        SiteC(sampler);
        Assert.Single(sampler.GetProfile().Sites);
    }

    [Fact]
    public void Misuse_and_disposal_are_answered_clearly()
    {
        using var depot = new Depot();
        var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Record(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 0 }));

        SiteA(sampler);
        sampler.Dispose();
        SiteA(sampler); // ignored after dispose
        sampler.Dispose(); // idempotent

        Assert.Equal(0, depot.GetStats().RefcountedInUse);
    }

    [Fact]
    public void A_depot_disposed_first_makes_samples_drop_instead_of_throwing()
    {
        var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        SiteA(sampler);
        depot.Dispose();

        SiteA(sampler); // must not throw into the instrumented code
        sampler.Reset(); // nor here

        Assert.Equal(0, sampler.GetProfile().Samples);
    }

    [Fact]
    public void Samplers_on_one_thread_keep_separate_countdowns()
    {
        using var depot = new Depot();
        using var every = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        using var rare = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1L << 40, Seed = 1 });

        for (int i = 0; i < 20; i++)
        {
            every.Record(10);
            rare.Record(10);
        }

        Assert.Equal(20, every.GetProfile().Samples);
        Assert.Equal(0, rare.GetProfile().Samples);

        // A disposed sampler's slot is recycled; the next sampler must not inherit its countdown.
        every.Dispose();
        using var next = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        next.Record(10);
        Assert.Equal(1, next.GetProfile().Samples);
    }

    [Fact]
    public void Many_threads_recording_at_once_keep_exact_totals()
    {
        const int threads = 8, perThread = 1000;
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                SiteA(sampler);
                SiteB(sampler);
            }
        })).ToArray();
        foreach (Thread t in workers)
        {
            t.Start();
        }

        foreach (Thread t in workers)
        {
            t.Join();
        }

        AllocationProfile profile = sampler.GetProfile();
        Assert.Equal(2L * threads * perThread, profile.Samples);
        Assert.Equal((64L + 2000) * threads * perThread, profile.SampledBytes);
        Assert.Equal(threads * perThread, SiteNamed(depot, profile, nameof(SiteA)).Samples);
        Assert.Equal(threads * perThread, SiteNamed(depot, profile, nameof(SiteB)).Samples);
        Assert.Equal(2, depot.GetStats().RefcountedInUse); // one reference per site, however many threads saved it
    }

    [Fact]
    public void The_report_lists_sites_with_captions_and_cuts_to_the_top()
    {
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1, Name = "test" });
        for (int i = 0; i < 10; i++)
        {
            SiteA(sampler);
            SiteB(sampler);
            SiteC(sampler);
        }

        StackReport report = sampler.GetReport(new AllocationReportOptions { Top = 2 });

        Assert.Equal("Allocation sites (sampler test)", report.Title);
        Assert.Equal(2, report.Entries.Count);
        Assert.Equal(1, report.OmittedEntries);
        Assert.Equal(new long[] { 200_000, 10, 10, 200_000 }, report.Entries[0].Values);
        Assert.Equal(new long[] { 220_640, 30, 30, 220_640 }, report.Totals);
        Assert.Contains(nameof(SiteC), report.Entries[0].Frames[0].Name, StringComparison.Ordinal);
        Assert.Contains(nameof(SiteB), report.Entries[1].Frames[0].Name, StringComparison.Ordinal);

        string text = StackReportWriter.WriteToString(report, ReportFormat.Text);
        Assert.Contains("~195.3 KiB in ~10 objects (90.6% of bytes, 10 samples) allocated at:", text, StringComparison.Ordinal);
        Assert.Contains("AllocationSamplerTests.SiteC(AllocationSampler) + IL_", text, StringComparison.Ordinal);
        Assert.Contains("...and 1 more stack", text, StringComparison.Ordinal);
        string[] header = text[..text.IndexOf("\n\n", StringComparison.Ordinal)].Split('\n');
        Assert.Contains("  allocated (estimated): 215.5 KiB in 30 objects", header);
        Assert.Contains("  sampled:               215.5 KiB in 30 samples", header);
        Assert.DoesNotContain(header, l => l.Contains("total", StringComparison.Ordinal) || l.Contains("estimated bytes", StringComparison.Ordinal));

        string folded = StackReportWriter.WriteToString(report, ReportFormat.Folded);
        Assert.Contains("SiteC(AllocationSampler)", folded, StringComparison.Ordinal);

        StackReport withLines = sampler.GetReport(new AllocationReportOptions { Top = 1, IncludeSourceInfo = true });
        Assert.Equal("AllocationSamplerTests.cs", Path.GetFileName(withLines.Entries[0].Frames[0].File));
    }

    [Fact]
    public void Metrics_report_samples_and_bytes()
    {
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1, Name = "metrics-test" });
        for (int i = 0; i < 3; i++)
        {
            SiteB(sampler);
        }

        Dictionary<string, long> seen = MeterReadings.Read("stackdepot.allocations.", "sampler", "metrics-test");

        Assert.Equal(3, seen["stackdepot.allocations.samples"]);
        Assert.Equal(6000, seen["stackdepot.allocations.sampled_bytes"]);
        Assert.Equal(6000, seen["stackdepot.allocations.estimated_bytes"]);
    }

    [Fact]
    public void Samples_whose_stack_cannot_be_stored_still_count()
    {
        using var depot = new Depot(new DepotOptions { CapacityBytes = 64 << 10, PoolBytes = 64 << 10 });
        DepotFilling.Fill(depot);
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });

        for (int i = 0; i < 5; i++)
        {
            SiteB(sampler);
        }

        AllocationProfile profile = sampler.GetProfile();
        Assert.Equal(5, profile.Samples);
        Assert.Equal(5, profile.UnstoredSamples);
        Assert.Equal(10_000.0, profile.EstimatedBytes);
        Assert.Equal(StackHandle.None, Assert.Single(profile.Sites).Stack);

        StackReport report = sampler.GetReport();
        Assert.Equal("~9.8 KiB in ~5 objects (100.0% of bytes, 5 samples) at stacks the depot could not store (full):", Assert.Single(report.Entries).Caption);
        Assert.Equal("5", report.Properties["samples without a stored stack (depot full)"]);
    }

    [Fact]
    public void Leading_StackTraceHidden_helpers_are_left_out_of_sites()
    {
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        CallsHiddenHelper(sampler);

        AllocationSite site = Assert.Single(sampler.GetProfile().Sites);
        Assert.Contains("." + nameof(CallsHiddenHelper) + "(", Symbolizer.Shared.Symbolize(depot.Fetch(site.Stack)[0]).Method, StringComparison.Ordinal);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CallsHiddenHelper(AllocationSampler sampler)
    {
        byte[] buffer = HiddenAllocate(sampler, 128);
        return buffer.Length;
    }

    [System.Diagnostics.StackTraceHidden]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] HiddenAllocate(AllocationSampler sampler, int size)
    {
        var buffer = new byte[size];
        sampler.Record(size);
        return buffer;
    }

    // The sites: Record is not the last call (a tail call would take the site's frame off the stack).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long SiteA(AllocationSampler sampler)
    {
        sampler.Record(64);
        return 64;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long SiteB(AllocationSampler sampler)
    {
        sampler.Record(2000);
        return 2000;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long SiteC(AllocationSampler sampler)
    {
        sampler.Record(20000);
        return 20000;
    }

    private static AllocationSite SiteNamed(Depot depot, AllocationProfile profile, string method) =>
        Assert.Single(profile.Sites, s => Symbolizer.Shared.Symbolize(depot.Fetch(s.Stack)[0]).Method.Contains("." + method + "(", StringComparison.Ordinal));

    // exp(x) - 1 by its series for small |x|: reference values for the weight tests.
    private static double ExpM1Exact(double x)
    {
        if (Math.Abs(x) > 1e-3)
        {
            return Math.Exp(x) - 1;
        }

        double term = x, sum = x;
        for (int k = 2; k < 12; k++)
        {
            term *= x / k;
            sum += term;
        }

        return sum;
    }

    private static void AssertWithin(double truth, double estimate, double relative) =>
        Assert.True(Math.Abs(estimate - truth) <= relative * truth, $"estimate {estimate:F0} is not within {relative:P0} of {truth:F0}");
}

/// <summary>Fills a depot with distinct refcounted stacks until it refuses one.</summary>
internal static class DepotFilling
{
    public static int Fill(Depot depot)
    {
        var frames = new ulong[8];
        for (int i = 0; ; i++)
        {
            frames[0] = 0xF111_0000_0000UL + (ulong)i;
            if (depot.Save(frames, SaveFlags.Get).IsNone)
            {
                return i;
            }
        }
    }
}
