using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Scenario 5, deterministic part (HAProxy's pool free race, in the depot's terms): the two holders of one record
/// put it at the same moment, both having read the count before either changes it. Exactly one of them must
/// free the record, exactly once. The randomized part is <see cref="DepotStressTests"/>.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class ConcurrentPutTests
{
    [Fact]
    public void Atomic_put_frees_the_record_exactly_once_when_both_holders_put_together()
    {
        Puts seen = Observe(DepotProtections.None);

        Assert.Null(seen.Errors.FirstOrDefault());
        Assert.True(seen.BothReadTheSameCount, "both puts should read the count before either changed it");
        Assert.Equal(1, seen.FreeEvents);
        Assert.Equal(1, seen.Stats.RefcountedFrees);
        Assert.Equal(0, seen.Stats.RefcountedInUse);
        Assert.Equal(1, seen.Stats.FreeListLength);
        Assert.Equal(2, seen.Stats.Puts);
        Assert.Null(seen.FramesAfter);
        Assert.Empty(seen.ChainAfter);
    }

    [Fact]
    public void Without_atomic_put_a_concurrent_update_is_lost_and_the_record_leaks()
    {
        Puts seen = Observe(DepotProtections.AtomicPut);

        Assert.True(seen.BothReadTheSameCount, "both puts should read the count before either changed it");
        Assert.Equal(0, seen.FreeEvents);                 // nobody saw the count reach zero
        Assert.Equal(0, seen.Stats.RefcountedFrees);
        Assert.Equal(1u, seen.CountAfter);                // no holder left, yet a count of one: leaked
        Assert.Equal(1, seen.Stats.RefcountedInUse);
        Assert.Equal(seen.Stack, seen.FramesAfter);       // the dead handle still fetches
    }

    private static Puts Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled);
        ulong[] s = new StackPicker(depot).Any();
        StackHandle h = depot.Save(s, SaveFlags.Get);
        Assert.Equal(h, depot.Save(s, SaveFlags.Get));
        Assert.Equal(2u, depot.CountOf(h));

        using var bothRead = new Barrier(2);
        var workers = Enumerable.Range(0, 2).Select(i => new Worker<bool>($"putter {i}", () =>
        {
            depot.Put(h);
            return true;
        })).ToList();
        var firstRead = new System.Collections.Concurrent.ConcurrentDictionary<Thread, uint>();
        int barrierFailures = 0;
        using var script = new HookScript(depot);
        script.OnEvery((point, value) =>
        {
            if (point == DepotHookPoint.PutAfterRead && workers.Any(w => ReferenceEquals(w.Thread, Thread.CurrentThread))
                && firstRead.TryAdd(Thread.CurrentThread, depot.CountOf(h)))
            {
                // Only the first read of each thread waits: both have read before either writes.
                if (!bothRead.SignalAndWait(RaceTimeouts.Park))
                {
                    Interlocked.Increment(ref barrierFailures);
                }
            }
        });

        workers.ForEach(w => w.Start());
        var errors = workers.Select(w => w.JoinCatching().Error).Where(e => e != null).ToList();
        Assert.Equal(0, barrierFailures);
        var frees = script.Events.Count(e => e.Point == DepotHookPoint.AfterFree);
        return new Puts(
            s,
            errors,
            firstRead.Count == 2 && firstRead.Values.All(c => c == 2),
            frees,
            depot.CountOf(h),
            RaceDepots.FramesOf(depot, h),
            depot.ChainOf(depot.BucketOf(s)),
            depot.GetStats());
    }

    private sealed record Puts(
        ulong[] Stack,
        List<Exception?> Errors,
        bool BothReadTheSameCount,
        int FreeEvents,
        uint CountAfter,
        ulong[]? FramesAfter,
        List<uint> ChainAfter,
        DepotStats Stats);
}
