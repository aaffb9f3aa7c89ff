using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Scenario 2, resurrection: a reader whose hash check matched record R stalls before taking its reference
/// while R's count drops to zero. Increment-not-zero must refuse the reference on the dying record; the save
/// then inserts a new record.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class ResurrectionTests
{
    [Fact]
    public void Increment_not_zero_refuses_a_dying_record_and_the_save_makes_a_new_one()
    {
        Resurrection seen = Observe(DepotProtections.None);

        Assert.False(seen.ReferenceTakenOnDyingRecord, "the reader took a reference on a record whose count was zero");
        Assert.True(seen.ReaderMissedLockFree, "the reader should have gone on to insert a new record");
        Assert.NotEqual(seen.DyingHandle, seen.ReaderResult);
        Assert.Null(seen.DyingHandleFrames);                  // the old handle is stale
        Assert.True(seen.ResultLinked, "the returned record is not linked in its bucket");
        Assert.Equal(seen.Stack, seen.ResultFrames);
        Assert.Equal(seen.Stack, seen.ResultFramesAfterAnotherSave);
        Assert.NotEqual(seen.ResultSlot, seen.OtherSlot);
        Assert.Equal(1u, seen.ResultCount);
        Assert.Null(seen.PutError);                           // the save's reference is a real one
    }

    [Fact]
    public void Without_increment_not_zero_the_save_returns_a_freed_record()
    {
        Resurrection seen = Observe(DepotProtections.IncrementNotZero);

        Assert.True(seen.ReferenceTakenOnDyingRecord, "the broken variant should take a reference on the dying record");
        Assert.False(seen.ReaderMissedLockFree, "the broken variant answers from the dying record");

        // The handle names a record that is already unlinked and on the free list: the next save reuses its slot
        // and the handle then names another stack (or nothing at all).
        Assert.False(seen.ResultLinked, "the resurrected record should no longer be linked");
        Assert.Equal(seen.ResultSlot, seen.OtherSlot);
        Assert.NotEqual(seen.Stack, seen.ResultFramesAfterAnotherSave);
    }

    private static Resurrection Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled);
        var pick = new StackPicker(depot);
        ulong[] s = pick.Any();
        ulong[] t = pick.Any();

        StackHandle dying = depot.Save(s, SaveFlags.Get); // count 1
        var reader = new Worker<StackHandle>("reader", () => depot.Save(s, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park afterHash = script.Park(reader.Thread, DepotHookPoint.LookupAfterHashMatch, "the reader to pass the hash check on R", v => v == dying.Value);
        reader.Start();
        afterHash.WaitArrived();

        depot.Put(dying); // the count drops to zero: R is unlinked and freed while the reader stands between passes 1 and 2
        afterHash.Release();
        StackHandle result = reader.Join();
        Assert.False(afterHash.TimedOut, "the reader was never released");

        bool referenced = script.EventsOf(reader.Thread, DepotHookPoint.LookupAfterReference)
            .Any(e => depot.SlotOf(new StackHandle(e.Value)) == depot.SlotOf(dying));
        bool missed = script.EventsOf(reader.Thread, DepotHookPoint.BeforeInsertLock).Count > 0;
        bool linked = depot.ChainOf(depot.BucketOf(s)).Contains(result.Value);
        ulong[]? frames = RaceDepots.FramesOf(depot, result);
        uint count = depot.CountOf(result);
        ulong[]? dyingFrames = RaceDepots.FramesOf(depot, dying);

        StackHandle other = depot.Save(t, SaveFlags.Get); // wants a record: takes the oldest free slot if it may
        ulong[]? framesAfter = RaceDepots.FramesOf(depot, result);
        Exception? putError = null;
        if (disabled == DepotProtections.None)
        {
            try
            {
                depot.Put(result);
            }
            catch (Exception e)
            {
                putError = e;
            }
        }

        return new Resurrection(s, dying, result, referenced, missed, linked, frames, framesAfter, dyingFrames,
            depot.SlotOf(result), depot.SlotOf(other), count, putError);
    }

    private sealed record Resurrection(
        ulong[] Stack,
        StackHandle DyingHandle,
        StackHandle ReaderResult,
        bool ReferenceTakenOnDyingRecord,
        bool ReaderMissedLockFree,
        bool ResultLinked,
        ulong[]? ResultFrames,
        ulong[]? ResultFramesAfterAnotherSave,
        ulong[]? DyingHandleFrames,
        uint ResultSlot,
        uint OtherSlot,
        uint ResultCount,
        Exception? PutError);
}
