using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Scenario 3, mismatch after reference: record R changes identity between the hash check (pass 1) and the full
/// compare (pass 3) — freed and reused for another stack. This needs the grace period switched off (the grace
/// period alone prevents it), so these tests prove the second line of defence: pass 3 catches the change, the
/// reference is undone on the record actually referenced, and that record is freed if it was the last reference.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class MismatchAfterReferenceTests
{
    [Fact]
    public void Full_compare_catches_a_reused_record_and_undoes_the_reference()
    {
        Mismatch seen = Observe(DepotProtections.GracePeriod, ownerPutsWhileReaderHolds: false);

        Assert.Equal(2u, seen.CountWhileReaderHolds);         // the reader's reference went to the new owner's record
        Assert.Equal(seen.S, seen.ResultFrames);               // the save still answers with its own stack
        Assert.Equal(1u, seen.ReusedCountAfter);               // the reader's reference was undone
        Assert.Equal(seen.T, seen.ReusedFramesAfter);
        Assert.True(seen.OwnerPutFreed, "the new owner's put should free the record: the undo leaked a reference");
        Assert.Null(seen.OwnerPutError);
        Assert.Equal(1, seen.Final.RefcountedInUse);           // only the reader's new record for S is left
        Assert.Equal(seen.Reused, seen.ReferencedRecord);      // pass 2 names the record it referenced
    }

    [Fact]
    public void Full_compare_undo_frees_the_record_when_the_owner_already_put_it()
    {
        Mismatch seen = Observe(DepotProtections.GracePeriod, ownerPutsWhileReaderHolds: true);

        Assert.Equal(2u, seen.CountWhileReaderHolds);
        Assert.Equal(seen.S, seen.ResultFrames);
        Assert.True(seen.ReaderFreedReusedRecord, "the reader's undo dropped the last reference but did not free the record");
        Assert.Null(seen.ReusedFramesAfter);                   // the reused record is gone
        Assert.Equal(1, seen.Final.RefcountedInUse);
        Assert.Equal(2, seen.Final.RefcountedFrees);
        Assert.Equal(seen.Reused, seen.ReferencedRecord);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Without_full_compare_the_save_returns_another_stacks_record(bool ownerPutsWhileReaderHolds)
    {
        Mismatch seen = Observe(DepotProtections.GracePeriod | DepotProtections.FinalCompare, ownerPutsWhileReaderHolds);

        Assert.Equal(seen.T, seen.ResultFrames); // a save of S answered with T's frames
        Assert.NotEqual(seen.S, seen.ResultFrames);
    }

    [Fact]
    public void A_lookup_returns_the_identity_of_the_record_it_referenced()
    {
        // R is freed and reused for the same stack between passes 1 and 2. The reader's reference goes to the new
        // record, so the handle it returns must be the new record's, not the stale one it read in the chain.
        using Depot depot = RaceDepots.Create(DepotProtections.GracePeriod);
        ulong[] s = new StackPicker(depot).Any();
        StackHandle first = depot.Save(s, SaveFlags.Get);
        var reader = new Worker<StackHandle>("reader", () => depot.Save(s, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park afterHash = script.Park(reader.Thread, DepotHookPoint.LookupAfterHashMatch, "the reader to pass the hash check on R", v => v == first.Value);
        reader.Start();
        afterHash.WaitArrived();
        depot.Put(first);
        StackHandle second = depot.Save(s, SaveFlags.Get); // same slot, next generation
        Assert.Equal(depot.SlotOf(first), depot.SlotOf(second));
        Assert.NotEqual(first, second);
        afterHash.Release();
        StackHandle result = reader.Join();

        Assert.Equal(second, result);
        Assert.Equal(2u, depot.CountOf(second));
        depot.Put(result);
        depot.Put(second);
        Assert.Null(RaceDepots.FramesOf(depot, second));
        Assert.Equal(0, depot.GetStats().RefcountedInUse);
    }

    private static Mismatch Observe(DepotProtections disabled, bool ownerPutsWhileReaderHolds)
    {
        using Depot depot = RaceDepots.Create(disabled);
        var pick = new StackPicker(depot);
        ulong[] s = pick.Any();
        ulong[] t = pick.InBucket(depot.BucketOf(s)); // same bucket: the reader's walk stays in its own chain

        StackHandle r = depot.Save(s, SaveFlags.Get);
        var reader = new Worker<StackHandle>("reader", () => depot.Save(s, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park afterHash = script.Park(reader.Thread, DepotHookPoint.LookupAfterHashMatch, "the reader to pass the hash check on R", v => v == r.Value);
        Park afterRef = script.Park(reader.Thread, DepotHookPoint.LookupAfterReference, "the reader to take its reference");
        reader.Start();
        afterHash.WaitArrived();

        depot.Put(r);                                      // R freed...
        StackHandle reused = depot.Save(t, SaveFlags.Get); // ...and reused at once for T (no grace period)
        Assert.Equal(depot.SlotOf(r), depot.SlotOf(reused));
        afterHash.Release();

        afterRef.WaitArrived();
        uint referenced = afterRef.Value;
        uint countWhileHeld = depot.CountOf(reused);
        bool ownerPutFreed = false;
        Exception? ownerPutError = null;
        if (ownerPutsWhileReaderHolds)
        {
            depot.Put(reused); // the owner's put while the reader holds its extra reference: not the last one
        }

        afterRef.Release();
        StackHandle result = reader.Join();
        Assert.False(afterHash.TimedOut || afterRef.TimedOut, "the reader was never released");

        ulong[]? resultFrames = RaceDepots.FramesOf(depot, result);
        bool readerFreed = script.EventsOf(reader.Thread, DepotHookPoint.AfterFree).Any(e => e.Value == reused.Value);
        uint countAfter = depot.CountOf(reused);
        ulong[]? reusedFrames = RaceDepots.FramesOf(depot, reused);

        if (!ownerPutsWhileReaderHolds && disabled == DepotProtections.GracePeriod)
        {
            long freesBefore = depot.GetStats().RefcountedFrees;
            try
            {
                depot.Put(reused);
            }
            catch (Exception e)
            {
                ownerPutError = e;
            }

            ownerPutFreed = depot.GetStats().RefcountedFrees == freesBefore + 1 && RaceDepots.FramesOf(depot, reused) == null;
        }

        return new Mismatch(s, t, reused.Value, referenced, countWhileHeld, resultFrames, countAfter, reusedFrames,
            readerFreed, ownerPutFreed, ownerPutError, depot.GetStats());
    }

    private sealed record Mismatch(
        ulong[] S,
        ulong[] T,
        uint Reused,
        uint ReferencedRecord,
        uint CountWhileReaderHolds,
        ulong[]? ResultFrames,
        uint ReusedCountAfter,
        ulong[]? ReusedFramesAfter,
        bool ReaderFreedReusedRecord,
        bool OwnerPutFreed,
        Exception? OwnerPutError,
        DepotStats Final);
}
