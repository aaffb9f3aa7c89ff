using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// A hit takes no lock, not even when its thread last used another depot: a thread moving between depots must not
/// wait for a statistics snapshot of the depot it leaves.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class HitsTakeNoLockTests
{
    [Fact]
    public void A_hit_on_one_depot_does_not_wait_for_a_stats_snapshot_of_the_depot_its_thread_used_before()
    {
        using Depot first = RaceDepots.Create();
        using Depot second = RaceDepots.Create();
        var pick = new StackPicker(second);
        ulong[] stored = pick.Any();
        StackHandle expected = second.Save(stored);

        var snapshot = new Worker<DepotStats>("stats of the first depot", first.GetStats);
        using var script = new HookScript(first);
        Park inSnapshot = script.Park(snapshot.Thread, DepotHookPoint.StatsSnapshot, "GetStats to be adding up the counters");
        snapshot.Start();
        inSnapshot.WaitArrived();

        var mover = new Worker<StackHandle>("a thread moving from the first depot to the second", () =>
        {
            first.Save(pick.Any());     // this thread now counts for the first depot
            return second.Save(stored); // a hit on the second
        });
        mover.Start();
        bool finished = mover.Thread.Join(RaceTimeouts.Step);
        inSnapshot.Release();
        Assert.True(finished, "a hit on the second depot waited for the first depot's stats snapshot");
        Assert.Equal(expected, mover.Join());
        snapshot.Join();
        Assert.Equal(1, first.GetStats().Saves);
        DepotStats after = second.GetStats();
        Assert.Equal(2, after.Saves);
        Assert.Equal(1, after.Hits);
    }
}
