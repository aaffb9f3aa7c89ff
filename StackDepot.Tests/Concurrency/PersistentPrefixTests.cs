using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// The lock-free walk reads a prefix of persistent records without announcing an epoch (they are never unlinked or
/// reused). When it meets a refcounted link it must announce and walk again from the bucket head: the link was read
/// while nothing protected it, so its record may have been freed, passed its grace period (this reader had not
/// announced) and been relinked into another bucket before the announcement.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class PersistentPrefixTests
{
    [Fact]
    public void A_refcounted_link_read_before_announcing_is_read_again_after()
    {
        Prefix seen = Observe(DepotProtections.None);

        Assert.Equal(seen.Expected, seen.Result);
        Assert.Empty(seen.ForeignVisits);
        Assert.False(seen.LockFreePassMissed, "the lock-free pass missed a stack linked in its bucket all along");
        Assert.Equal(seen.FreedSlot, seen.ReusedSlot); // the reader had not announced: R's slot was reusable at once
    }

    [Fact]
    public void Without_the_restart_the_reader_follows_the_reused_record_into_another_bucket()
    {
        Prefix seen = Observe(DepotProtections.RestartAfterAnnounce);

        Assert.Equal(seen.FreedSlot, seen.ReusedSlot);
        Assert.NotEmpty(seen.ForeignVisits);
        Assert.True(seen.LockFreePassMissed, "the lock-free pass should have missed X after following R away");
    }

    [Fact]
    public void Hits_on_persistent_records_announce_nothing()
    {
        using Depot depot = RaceDepots.Create(table: 1);
        var pick = new StackPicker(depot);
        ulong[] p = pick.Any();
        ulong[] q = pick.Any();
        depot.Save(p);
        depot.Save(q);
        using var script = new HookScript(depot);
        Assert.False(depot.Save(p).IsNone);
        Assert.False(depot.Save(q, SaveFlags.Get).IsNone);
        Assert.Empty(script.EventsOf(Thread.CurrentThread, DepotHookPoint.LookupBeforeAnnounce));
        Assert.Equal(3, script.EventsOf(Thread.CurrentThread, DepotHookPoint.LookupVisitRecord).Count);
    }

    private static Prefix Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled, table: 4);
        var pick = new StackPicker(depot);

        // Bucket A: [P (persistent), R, X] so the reader looking for X walks P unannounced and reads R's link.
        // Bucket B: [Z]; Y wants a record there.
        ulong[] x = pick.Any();
        uint a = depot.BucketOf(x);
        ulong[] r = pick.InBucket(a);
        ulong[] p = pick.InBucket(a);
        ulong[] z = pick.NotInBucket(a);
        uint b = depot.BucketOf(z);
        ulong[] y = pick.InBucket(b);

        StackHandle hx = depot.Save(x, SaveFlags.Get);
        StackHandle hr = depot.Save(r, SaveFlags.Get);
        StackHandle hp = depot.Save(p);
        StackHandle hz = depot.Save(z);
        Assert.Equal(new[] { hp.Value, hr.Value, hx.Value }, depot.ChainOf(a));

        var reader = new Worker<StackHandle>("reader", () => depot.Save(x, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park beforeAnnounce = script.Park(reader.Thread, DepotHookPoint.LookupBeforeAnnounce, "the reader to read R's link unannounced", v => v == hr.Value);
        reader.Start();
        beforeAnnounce.WaitArrived();

        depot.Put(hr);                                 // R's last reference: unlinked, freed
        StackHandle hy = depot.Save(y, SaveFlags.Get); // nobody announced: R's slot is reused for Y, in bucket B
        beforeAnnounce.Release();
        StackHandle result = reader.Join();
        Assert.False(beforeAnnounce.TimedOut, "the reader was never released");

        var bucketOf = new Dictionary<uint, uint> { [hp.Value] = a, [hr.Value] = a, [hx.Value] = a, [hz.Value] = b, [hy.Value] = b };
        LockFreeWalk walk = LockFreeWalk.Of(script, reader.Thread, bucketOf, a);
        return new Prefix(
            Expected: hx,
            Result: result,
            ForeignVisits: walk.ForeignVisits,
            LockFreePassMissed: walk.Missed,
            FreedSlot: depot.SlotOf(hr),
            ReusedSlot: depot.SlotOf(hy));
    }

    private sealed record Prefix(
        StackHandle Expected,
        StackHandle Result,
        List<uint> ForeignVisits,
        bool LockFreePassMissed,
        uint FreedSlot,
        uint ReusedSlot);
}
