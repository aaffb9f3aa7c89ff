using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Scenario 1, the kernel thread's bug: a reader stands on record R while R's last reference is dropped and
/// other saves want records. If R were relinked into another bucket before the reader left, the reader would
/// follow R's new link into that bucket's chain and miss the rest of its own.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class RelinkWhileWalkingTests
{
    [Fact]
    public void Grace_period_keeps_a_freed_record_from_being_relinked_under_a_reader()
    {
        Relink seen = Observe(DepotProtections.None);

        Assert.Equal(seen.ExpectedHandle, seen.ReaderResult);
        Assert.Empty(seen.ForeignVisits);
        Assert.False(seen.LockFreePassMissed, "the lock-free pass missed a stack that was linked behind R all along");
        Assert.NotEqual(seen.FreedSlot, seen.NewRecordSlot); // fresh space was carved instead of reusing R
        Assert.DoesNotContain(seen.FreedSlot, seen.LaterSlots);
        Assert.Equal(1, seen.WhileParked.WaitingForGracePeriod);
        Assert.Equal(0, seen.WhileParked.Reused);
        Assert.Equal(0, seen.AfterReader.WaitingForGracePeriod);
        Assert.Equal(seen.ExpectedVisits, seen.ReaderVisits);
    }

    [Fact]
    public void Without_grace_period_the_reader_follows_R_into_another_buckets_chain()
    {
        Relink seen = Observe(DepotProtections.GracePeriod);

        Assert.Equal(seen.FreedSlot, seen.NewRecordSlot); // R was reused at once
        Assert.NotEmpty(seen.ForeignVisits);              // and the reader walked another bucket's records
        Assert.True(seen.LockFreePassMissed, "the lock-free pass should have missed the stack linked behind R");
    }

    private static Relink Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled, table: 4);
        // Bucket A: [R, X] (R in front, so the reader looking for X stands on R first). Bucket B: [Z].
        var scene = RelinkScene.Create(depot, zWithGet: true);
        StackHandle hr = scene.Hr;

        var reader = new Worker<StackHandle>("reader", () => depot.Save(scene.X, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park onR = script.Park(reader.Thread, DepotHookPoint.LookupVisitRecord, "the reader to stand on R", v => v == hr.Value);
        reader.Start();
        onR.WaitArrived();

        depot.Put(hr);                                // R's last reference: unlinked and freed
        StackHandle hy = depot.Save(scene.Y, SaveFlags.Get); // another bucket wants a record
        var moreSlots = new List<uint>();
        for (int i = 0; i < 3; i++)
        {
            moreSlots.Add(depot.SlotOf(depot.Save(scene.Pick.NotInBucket(scene.A), SaveFlags.Get))); // and more saves after it
        }
        DepotStats whileParked = depot.GetStats();
        onR.Release();
        StackHandle result = reader.Join();
        Assert.False(onR.TimedOut, "the reader was never released");
        DepotStats afterReader = depot.GetStats();

        LockFreeWalk walk = LockFreeWalk.Of(script, reader.Thread, scene.BucketOf(hy), scene.A);
        return new Relink(
            ExpectedHandle: scene.Hx,
            ReaderResult: result,
            ReaderVisits: walk.Visits,
            ExpectedVisits: [hr.Value, scene.Hx.Value],
            ForeignVisits: walk.ForeignVisits,
            LockFreePassMissed: walk.Missed,
            FreedSlot: depot.SlotOf(hr),
            NewRecordSlot: depot.SlotOf(hy),
            LaterSlots: moreSlots,
            WhileParked: whileParked,
            AfterReader: afterReader);
    }

    private sealed record Relink(
        StackHandle ExpectedHandle,
        StackHandle ReaderResult,
        List<uint> ReaderVisits,
        List<uint> ExpectedVisits,
        List<uint> ForeignVisits,
        bool LockFreePassMissed,
        uint FreedSlot,
        uint NewRecordSlot,
        List<uint> LaterSlots,
        DepotStats WhileParked,
        DepotStats AfterReader);
}
