using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// A freed record is stamped after it is unlinked. A reader that enters its section between the two steps then
/// announces an epoch older than the stamp, so the record waits for it. Stamped first, the reader announces the stamp
/// itself, still reaches the record (not yet unlinked), and the reclaimer takes its announcement as proof that it
/// cannot: the record is reused under it.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class StampAfterUnlinkTests
{
    [Fact]
    public void A_reader_entering_between_unlink_and_stamp_holds_the_record_back()
    {
        Between seen = Observe(DepotProtections.None);

        Assert.Equal(seen.Expected, seen.Result);
        Assert.Empty(seen.ForeignVisits);
        Assert.False(seen.LockFreePassMissed, "the lock-free pass missed a stack linked in its bucket all along");
        Assert.NotEqual(seen.FreedSlot, seen.NextSlot); // the freed slot waited for the reader
    }

    [Fact]
    public void Without_the_order_the_record_is_reused_under_a_reader_that_announced_its_stamp()
    {
        Between seen = Observe(DepotProtections.StampAfterUnlink);

        Assert.Equal(seen.FreedSlot, seen.NextSlot);
        Assert.NotEmpty(seen.ForeignVisits);
        Assert.True(seen.LockFreePassMissed, "the lock-free pass should have missed X after following R away");
    }

    private static Between Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled, table: 4);
        var scene = RelinkScene.Create(depot); // bucket A = [R, X]: the reader looks up X; bucket B = [Z]
        StackHandle hr = scene.Hr;
        var freer = new Worker<bool>("freer", () =>
        {
            depot.Put(hr);
            return true;
        });
        var reader = new Worker<StackHandle>("reader", () => depot.Save(scene.X, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park between = script.Park(freer.Thread, DepotHookPoint.FreeBetweenUnlinkAndStamp, "the freer between unlink and stamp", v => v == hr.Value);
        Park visiting = script.Park(reader.Thread, DepotHookPoint.LookupVisitRecord, "the reader to stand on the first record of bucket A");
        freer.Start();
        between.WaitArrived();
        reader.Start();
        visiting.WaitArrived();

        between.Release();
        freer.Join();
        StackHandle hy = depot.Save(scene.Y, SaveFlags.Get); // wants a slot: R's, if its grace period seems over
        visiting.Release();
        StackHandle result = reader.Join();
        Assert.False(between.TimedOut || visiting.TimedOut, "a parked thread was never released");

        LockFreeWalk walk = LockFreeWalk.Of(script, reader.Thread, scene.BucketOf(hy), scene.A);
        return new Between(
            Expected: scene.Hx,
            Result: result,
            ForeignVisits: walk.ForeignVisits,
            LockFreePassMissed: walk.Missed,
            FreedSlot: depot.SlotOf(hr),
            NextSlot: depot.SlotOf(hy));
    }

    private sealed record Between(StackHandle Expected, StackHandle Result, List<uint> ForeignVisits, bool LockFreePassMissed, uint FreedSlot, uint NextSlot);
}
