using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Scenario 4: several threads save one new stack at once. All of them miss in the lock-free pass and are
/// parked before the insert lock; released together, they must create exactly one record.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class RacingInsertsTests
{
    private const int Threads = 3;

    [Fact]
    public void Recheck_under_the_lock_makes_one_record_for_racing_inserts()
    {
        Racing seen = Observe(DepotProtections.None);

        Assert.Single(seen.Handles.Distinct());
        Assert.Single(seen.Records);
        Assert.Equal(seen.Handles[0].Value, seen.Records[0]);
        Assert.Equal((uint)Threads, seen.Count);
        Assert.Equal(1, seen.Inserts);
        Assert.Equal(Threads - 1, seen.Hits);
        Assert.Equal(2, seen.Stats.RefcountedInUse); // the stack and its neighbour
    }

    [Fact]
    public void Without_recheck_racing_inserts_make_duplicates()
    {
        Racing seen = Observe(DepotProtections.RecheckUnderLock);

        Assert.Equal(Threads, seen.Records.Count); // one record per thread for equal frames
        Assert.Equal(Threads, seen.Handles.Distinct().Count());
        Assert.Equal(Threads, seen.Inserts);
    }

    private static Racing Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled);
        ulong[] s = new StackPicker(depot).Any();
        depot.Save(new StackPicker(depot, depth: 5).InBucket(depot.BucketOf(s)), SaveFlags.Get); // a neighbour in the chain
        DepotStats before = depot.GetStats();

        using var arrived = new CountdownEvent(Threads);
        using var go = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, Threads)
            .Select(i => new Worker<StackHandle>($"saver {i}", () => depot.Save(s, SaveFlags.Get)))
            .ToList();
        var parkedThreads = workers.Select(w => w.Thread).ToHashSet();
        int gaveUp = 0;
        using (var script = new HookScript(depot))
        {
            script.OnEvery((point, _) =>
            {
                if (point == DepotHookPoint.BeforeInsertLock && parkedThreads.Contains(Thread.CurrentThread))
                {
                    arrived.Signal();
                    if (!go.Wait(RaceTimeouts.Park))
                    {
                        Interlocked.Increment(ref gaveUp);
                    }
                }
            });

            try
            {
                workers.ForEach(w => w.Start());
                Assert.True(arrived.Wait(RaceTimeouts.Step), $"only {Threads - arrived.CurrentCount} of {Threads} savers missed in the lock-free pass");
            }
            finally
            {
                go.Set();
            }

            var handles = workers.Select(w => w.Join()).ToList();
            Assert.Equal(0, gaveUp);
            DepotStats stats = depot.GetStats();
            return new Racing(handles, RaceDepots.RecordsHolding(depot, s), depot.CountOf(handles[0]),
                stats.Inserts - before.Inserts, stats.Hits - before.Hits, stats);
        }
    }

    private sealed record Racing(List<StackHandle> Handles, List<uint> Records, uint Count, long Inserts, long Hits, DepotStats Stats);
}
