using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using StackDepot.Capture;
using StackDepot.Reporting;
using StackDepot.Tracking;
using StackDepot.Tests.Support;

namespace StackDepot.Tests.Tracking;

// Leak detection relies on full, blocking collections; running these tests one at a time keeps the GC calls of one
// test from racing another's assertions about what is still alive.
[Collection(nameof(GarbageCollectingTests))]
public class LeakTrackerTests
{
    [Fact]
    public void Finds_the_leaking_path_and_ignores_released_objects()
    {
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);

        for (int i = 0; i < 30; i++)
        {
            OpenAndDispose(tracker);
        }

        for (int i = 0; i < 12; i++)
        {
            OpenAndForget(tracker);
        }

        CollectGarbage();

        LeakTrackerCounts counts = tracker.GetCounts();
        Assert.Equal(42, counts.Tracked);
        Assert.Equal(30, counts.Released);
        Assert.Equal(12, counts.Leaked);
        Assert.Equal(0, counts.Outstanding);

        StackReport report = tracker.GetReport();
        StackReportEntry entry = Assert.Single(report.Entries);
        Assert.Equal("12 leaked objects (of 12 tracked) created at:", entry.Caption);
        Assert.Contains("LeakTrackerTests.Resource..ctor(LeakTracker)", entry.Frames[0].Name, StringComparison.Ordinal); // Track's caller
        Assert.Contains("LeakTrackerTests." + nameof(OpenAndForget) + "(LeakTracker)", entry.Frames[1].Name, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Entries, e => e.Frames.Any(f => f.Name.Contains(nameof(OpenAndDispose), StringComparison.Ordinal)));

        string text = StackReportWriter.WriteToString(report, ReportFormat.Text);
        Assert.Contains("12 leaked objects (of 12 tracked) created at:", text, StringComparison.Ordinal);
        Assert.Contains("LeakTrackerTests.OpenAndForget(LeakTracker)", text, StringComparison.Ordinal);

        // The header gives each count once, in words.
        string[] header = text[..text.IndexOf("\n\n", StringComparison.Ordinal)].Split('\n')[1..];
        Assert.Equal(
            ["released", "distinct stacks", "leaked or outstanding", "leaked (collected without release)", "outstanding", "tracked"],
            header.Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)].Trim()));
        Assert.Contains(header, l => l.StartsWith("  released:", StringComparison.Ordinal) && l.EndsWith(" 30", StringComparison.Ordinal));
        Assert.Contains(header, l => l.StartsWith("  tracked:", StringComparison.Ordinal) && l.EndsWith(" 42", StringComparison.Ordinal));
        Assert.DoesNotContain("inuse_objects", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Objects_collected_without_release_are_leaked_and_live_ones_outstanding()
    {
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);

        List<object> kept = KeepSome(tracker, 5);
        TrackAndDrop(tracker, 7);
        CollectGarbage();

        LeakTrackerCounts counts = tracker.GetCounts();
        Assert.Equal(7, counts.Leaked);
        Assert.Equal(5, counts.Outstanding);

        IReadOnlyList<LeakSite> sites = tracker.GetSites();
        Assert.Equal(2, sites.Count);
        Assert.Equal(new LeakSite(sites[0].Stack, 7, 0, 0, 7), sites[0]);
        Assert.Equal(new LeakSite(sites[1].Stack, 5, 0, 5, 0), sites[1]);
        Assert.Contains(nameof(TrackAndDrop), NameOfTop(depot, sites[0].Stack), StringComparison.Ordinal);
        Assert.Contains(nameof(KeepSome), NameOfTop(depot, sites[1].Stack), StringComparison.Ordinal);

        StackReport outstandingOnly = tracker.GetReport(new LeakReportOptions { Include = LeakKinds.Outstanding });
        Assert.Equal("5 outstanding objects (of 5 tracked) created at:", Assert.Single(outstandingOnly.Entries).Caption);

        foreach (object o in kept)
        {
            Assert.Equal(ReleaseResult.Released, tracker.Release(o));
        }

        Assert.Equal(0, tracker.GetCounts().Outstanding);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void A_finalizable_object_is_seen_leaked_after_its_own_finalizer_has_run()
    {
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);
        TrackFinalizable(tracker);

        // First collection: the object is only reachable from the finalization queue, so its sentinel stays alive.
        // After its finalizer has run, the next collection frees both and the sentinel counts the leak.
        CollectGarbage();
        CollectGarbage();

        Assert.Equal(1, tracker.GetCounts().Leaked);
    }

    [Fact]
    public void Misuse_gets_a_clear_answer_and_changes_nothing()
    {
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);
        var resource = new object();
        var stranger = new object();

        Assert.True(tracker.Track(resource));
        Assert.False(tracker.Track(resource)); // already outstanding
        Assert.True(tracker.IsTracked(resource));
        Assert.Equal(ReleaseResult.NotTracked, tracker.Release(stranger));
        Assert.Equal(ReleaseResult.Released, tracker.Release(resource));
        Assert.Equal(ReleaseResult.AlreadyReleased, tracker.Release(resource));
        Assert.False(tracker.IsTracked(resource));

        LeakTrackerCounts counts = tracker.GetCounts();
        Assert.Equal(1, counts.Tracked);
        Assert.Equal(1, counts.Released);
        Assert.Equal(0, counts.Outstanding);
        Assert.Equal(1, counts.UntrackedReleases);
        Assert.Equal(1, counts.DoubleReleases);

        // A released object can be tracked again (pooled objects are rented and returned many times).
        Assert.True(tracker.Track(resource));
        Assert.Equal(ReleaseResult.Released, tracker.Release(resource));
        Assert.Equal(2, tracker.GetCounts().Released);

        Assert.Throws<ArgumentNullException>(() => tracker.Track(null!));
        Assert.Throws<ArgumentException>(() => tracker.GetReport(new LeakReportOptions { Include = 0 }));
        Assert.Empty(tracker.GetReport().Entries);
    }

    [Fact]
    public void Depot_references_balance_through_release_leak_and_dispose()
    {
        using var depot = new Depot();
        var tracker = new LeakTracker(depot);
        List<object> kept = KeepSome(tracker, 3);
        TrackAndDrop(tracker, 4);
        OpenAndDispose(tracker);
        CollectGarbage();

        Assert.Equal(3, depot.GetStats().RefcountedInUse); // one record per creation stack, alive while the tracker is
        tracker.Dispose();

        Assert.Equal(0, depot.GetStats().RefcountedInUse);
        Assert.Equal(ReleaseResult.NotTracked, tracker.Release(kept[0]));
        Assert.Throws<ObjectDisposedException>(() => tracker.Track(new object()));
        GC.KeepAlive(kept);
    }

    [Fact]
    public void Many_threads_tracking_and_releasing_keep_exact_counts()
    {
        const int threads = 8, perThread = 2000;
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);
        var kept = new List<object>[threads];
        using var start = new Barrier(threads);
        long unexpected = 0;
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = new List<object>();
            var released = new List<object>();
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                var o = new object();
                bool ok = tracker.Track(o);
                if (i % 4 == 0)
                {
                    mine.Add(o); // every fourth stays outstanding
                }
                else
                {
                    ok &= tracker.Release(o) == ReleaseResult.Released;
                    released.Add(o);
                }

                if (!ok)
                {
                    Interlocked.Increment(ref unexpected);
                }
            }

            // Second releases race with the other threads' tracking: all must be refused, none may count twice.
            foreach (object o in released)
            {
                if (tracker.Release(o) != ReleaseResult.AlreadyReleased)
                {
                    Interlocked.Increment(ref unexpected);
                }
            }

            kept[t] = mine;
        })).ToArray();
        foreach (Thread w in workers)
        {
            w.Start();
        }

        foreach (Thread w in workers)
        {
            w.Join();
        }

        Assert.Equal(0, Interlocked.Read(ref unexpected));
        LeakTrackerCounts counts = tracker.GetCounts();
        Assert.Equal(threads * perThread, counts.Tracked);
        Assert.Equal(threads * perThread * 3 / 4, counts.Released);
        Assert.Equal(threads * perThread / 4, counts.Outstanding);
        Assert.Equal(threads * perThread * 3 / 4, counts.DoubleReleases);
        Assert.Equal(0, counts.Leaked);

        LeakSite site = Assert.Single(tracker.GetSites()); // every thread tracked from the same lambda line
        Assert.Equal(new LeakSite(site.Stack, threads * perThread, threads * perThread * 3 / 4, threads * perThread / 4, 0), site);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void Leaks_found_by_collections_running_during_tracking_and_releasing_are_counted_exactly_once()
    {
        const int threads = 4, perThread = 3000;
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);
        int running = threads;
        using var start = new Barrier(threads + 1);
        Thread[] workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            TrackReleaseAndDrop(tracker, perThread);
            Interlocked.Decrement(ref running);
        })).ToArray();
        foreach (Thread w in workers)
        {
            w.Start();
        }

        // Collections and finalizer passes race with Track and Release until every worker is done.
        start.SignalAndWait();
        while (Volatile.Read(ref running) > 0)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        foreach (Thread w in workers)
        {
            w.Join();
        }

        CollectGarbage();
        GC.WaitForPendingFinalizers();

        LeakTrackerCounts counts = tracker.GetCounts();
        Assert.Equal(threads * perThread, counts.Tracked);
        Assert.Equal(threads * perThread / 2, counts.Released);
        Assert.Equal(threads * perThread / 2, counts.Leaked);
        Assert.Equal(0, counts.Outstanding);
        tracker.Dispose();
        Assert.Equal(0, depot.GetStats().RefcountedInUse); // every per-object reference was put exactly once
    }

    [Fact]
    public void The_report_applies_its_threshold_and_limit()
    {
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);
        var kept = new List<object>();

        // Recursion depth d gives a distinct stack with d + 1 outstanding objects: 1, 2, ..., 20.
        for (int depth = 0; depth < 20; depth++)
        {
            for (int i = 0; i <= depth; i++)
            {
                kept.Add(TrackAtDepth(tracker, depth));
            }
        }

        StackReport report = tracker.GetReport(new LeakReportOptions { MaxStacks = 5, MinCount = 3 });

        Assert.Equal(5, report.Entries.Count);
        Assert.Equal(15, report.OmittedEntries); // 2 under the threshold, 13 past the limit
        Assert.Equal(new long[] { 20, 19, 18, 17, 16 }, report.Entries.Select(e => e.Values[0]).ToArray());
        Assert.Equal("20 outstanding objects (of 20 tracked) created at:", report.Entries[0].Caption);
        Assert.Equal(210, report.Totals[0]);
        Assert.Contains("...and 15 more stacks", StackReportWriter.WriteToString(report, ReportFormat.Text), StringComparison.Ordinal);

        // The same report in a machine format, for tools.
        string json = StackReportWriter.WriteToString(report, ReportFormat.Json);
        Assert.Contains("\"outstanding\"", json, StringComparison.Ordinal);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void Mixed_entries_say_how_many_leaked_and_how_many_are_outstanding()
    {
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot);
        List<object> kept = TrackMixed(tracker, total: 10, keep: 6);
        CollectGarbage();

        StackReport report = tracker.GetReport();
        StackReportEntry entry = Assert.Single(report.Entries);
        Assert.Equal("10 objects (4 leaked, 6 outstanding, of 10 tracked) created at:", entry.Caption);
        Assert.Equal(new long[] { 10, 4, 6, 10 }, entry.Values);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void Objects_whose_stack_cannot_be_stored_are_still_tracked()
    {
        using var depot = new Depot(new DepotOptions { CapacityBytes = 64 << 10, PoolBytes = 64 << 10 });
        DepotFilling.Fill(depot);
        using var tracker = new LeakTracker(depot);

        List<object> kept = KeepSome(tracker, 3);
        Assert.Equal(ReleaseResult.Released, tracker.Release(kept[0]));

        LeakSite site = Assert.Single(tracker.GetSites());
        Assert.Equal(new LeakSite(StackHandle.None, 3, 1, 2, 0), site);
        StackReportEntry entry = Assert.Single(tracker.GetReport().Entries);
        Assert.Equal("2 outstanding objects (of 3 tracked) created at stacks the depot could not store (full):", entry.Caption);
        GC.KeepAlive(kept);
    }

    [Fact]
    public void Metrics_report_tracked_outstanding_and_leaked_objects()
    {
        using var depot = new Depot();
        using var tracker = new LeakTracker(depot, new LeakTrackerOptions { Name = "metrics-test" });
        List<object> kept = KeepSome(tracker, 2);
        TrackAndDrop(tracker, 3);
        CollectGarbage();

        Dictionary<string, long> seen = MeterReadings.Read("stackdepot.objects.", "tracker", "metrics-test");

        Assert.Equal(5, seen["stackdepot.objects.tracked"]);
        Assert.Equal(2, seen["stackdepot.objects.outstanding"]);
        Assert.Equal(3, seen["stackdepot.objects.leaked"]);
        Assert.Equal(0, seen["stackdepot.objects.released"]);
        GC.KeepAlive(kept);
    }

    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string NameOfTop(Depot depot, StackHandle stack) => Symbolizer.Shared.Symbolize(depot.Fetch(stack)[0]).Method;

    // Helpers that create objects in their own frames, so that no local of the test keeps them alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenAndDispose(LeakTracker tracker)
    {
        var resource = new Resource(tracker);
        resource.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenAndForget(LeakTracker tracker)
    {
        var resource = new Resource(tracker);
        resource.Use();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TrackAndDrop(LeakTracker tracker, int count)
    {
        for (int i = 0; i < count; i++)
        {
            tracker.Track(new object());
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TrackReleaseAndDrop(LeakTracker tracker, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var o = new object();
            tracker.Track(o);
            if (i % 2 == 0)
            {
                tracker.Release(o);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<object> KeepSome(LeakTracker tracker, int count)
    {
        var kept = new List<object>();
        for (int i = 0; i < count; i++)
        {
            var o = new object();
            tracker.Track(o);
            kept.Add(o);
        }

        return kept;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TrackFinalizable(LeakTracker tracker) => tracker.Track(new Finalizable());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<object> TrackMixed(LeakTracker tracker, int total, int keep)
    {
        var kept = new List<object>();
        for (int i = 0; i < total; i++)
        {
            object o = TrackAtDepth(tracker, 0); // one call site for all, kept or dropped
            if (i < keep)
            {
                kept.Add(o);
            }
        }

        return kept;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object TrackAtDepth(LeakTracker tracker, int depth)
    {
        if (depth > 0)
        {
            object inner = TrackAtDepth(tracker, depth - 1);
            return inner;
        }

        var o = new object();
        tracker.Track(o);
        return o;
    }

    private sealed class Resource : IDisposable
    {
        private readonly LeakTracker _tracker;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public Resource(LeakTracker tracker)
        {
            _tracker = tracker;
            tracker.Track(this);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Use() => GC.KeepAlive(this);

        public void Dispose() => _tracker.Release(this);
    }

    private sealed class Finalizable
    {
        ~Finalizable()
        {
        }
    }
}

[CollectionDefinition(nameof(GarbageCollectingTests), DisableParallelization = true)]
public sealed class GarbageCollectingTests
{
}
