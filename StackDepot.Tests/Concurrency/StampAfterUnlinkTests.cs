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
        var pick = new StackPicker(depot);

        // Bucket A: [R, X]; the reader looks up X. Bucket B: [Z]; Y wants a record there afterwards.
        ulong[] x = pick.Any();
        uint a = depot.BucketOf(x);
        ulong[] r = pick.InBucket(a);
        ulong[] z = pick.NotInBucket(a);
        uint b = depot.BucketOf(z);
        ulong[] y = pick.InBucket(b);
        StackHandle hx = depot.Save(x, SaveFlags.Get);
        StackHandle hr = depot.Save(r, SaveFlags.Get);
        StackHandle hz = depot.Save(z);
        Assert.Equal(new[] { hr.Value, hx.Value }, depot.ChainOf(a));

        var freer = new Worker<bool>("freer", () =>
        {
            depot.Put(hr);
            return true;
        });
        var reader = new Worker<StackHandle>("reader", () => depot.Save(x, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park between = script.Park(freer.Thread, DepotHookPoint.FreeBetweenUnlinkAndStamp, "the freer between unlink and stamp", v => v == hr.Value);
        Park visiting = script.Park(reader.Thread, DepotHookPoint.LookupVisitRecord, "the reader to stand on the first record of bucket A");
        freer.Start();
        between.WaitArrived();
        reader.Start();
        visiting.WaitArrived();

        between.Release();
        freer.Join();
        StackHandle hy = depot.Save(y, SaveFlags.Get); // wants a slot: R's, if its grace period seems over
        visiting.Release();
        StackHandle result = reader.Join();
        Assert.False(between.TimedOut || visiting.TimedOut, "a parked thread was never released");

        var bucketOf = new Dictionary<uint, uint> { [hr.Value] = a, [hx.Value] = a, [hz.Value] = b, [hy.Value] = b };
        List<HookEvent> events = script.Events.Where(e => ReferenceEquals(e.Thread, reader.Thread)).ToList();
        int insertAt = events.FindIndex(e => e.Point == DepotHookPoint.BeforeInsertLock);
        List<uint> lockFreeVisits = events.Take(insertAt >= 0 ? insertAt : events.Count)
            .Where(e => e.Point == DepotHookPoint.LookupVisitRecord).Select(e => e.Value).ToList();
        return new Between(
            Expected: hx,
            Result: result,
            ForeignVisits: lockFreeVisits.Where(v => !bucketOf.TryGetValue(v, out uint bucket) || bucket != a).ToList(),
            LockFreePassMissed: insertAt >= 0,
            FreedSlot: depot.SlotOf(hr),
            NextSlot: depot.SlotOf(hy));
    }

    private sealed record Between(StackHandle Expected, StackHandle Result, List<uint> ForeignVisits, bool LockFreePassMissed, uint FreedSlot, uint NextSlot);
}
