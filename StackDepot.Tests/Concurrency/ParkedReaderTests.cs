using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Scenario 7: a reader parked inside a read section (a fetch that validated its handle and is about to copy)
/// blocks reuse but not progress. Saves go on in fresh space until the capacity is reached, then drop (counted);
/// freed records wait; once the reader leaves they are reused. Without the grace period, the record the reader
/// is copying is reused under it and the fetch returns another stack's frames.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class ParkedReaderTests
{
    private const int Churn = 40;

    [Fact]
    public void A_parked_reader_blocks_reuse_but_not_progress()
    {
        Parked seen = Observe(DepotProtections.None);

        Assert.True(seen.ReaderOk, "the parked fetch must return its own stack's frames");
        Assert.Equal(seen.Stack, seen.ReaderFrames);

        // While parked: no reuse; fresh space until full, then counted drops; freed records wait.
        Assert.Equal(0, seen.WhileParked.Reused);
        Assert.True(seen.DropsWhileParked > 0, "the churn should have reached the capacity");
        Assert.Equal(seen.DropsWhileParked, seen.WhileParked.Drops);
        Assert.True(seen.WhileParked.CapacityReached);
        Assert.Equal(Churn - seen.DropsWhileParked + 1, seen.WhileParked.WaitingForGracePeriod); // every freed record, the reader's too
        Assert.Equal(seen.WhileParked.FreeListLength, seen.WhileParked.WaitingForGracePeriod);

        // After it leaves: reuse, no more drops, nothing waiting.
        Assert.True(seen.After.Reused > 0, "freed records should be reused once the reader left");
        Assert.Equal(seen.WhileParked.Drops, seen.After.Drops);
        Assert.Equal(0, seen.After.WaitingForGracePeriod);
        Assert.Equal(seen.WhileParked.BytesReserved, seen.After.BytesReserved);
        Assert.Equal(0, seen.After.RefcountedInUse);
    }

    [Fact]
    public void Without_grace_period_the_parked_fetch_copies_another_stacks_frames()
    {
        Parked seen = Observe(DepotProtections.GracePeriod);

        Assert.True(seen.WhileParked.Reused > 0);
        Assert.True(seen.ReaderOk, "the broken fetch still answers true...");
        Assert.NotEqual(seen.Stack, seen.ReaderFrames); // ...with the frames of the stack that took its record
    }

    private static Parked Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled, capacity: 4096);
        var pick = new StackPicker(depot);
        ulong[] s = pick.Any();
        StackHandle h = depot.Save(s, SaveFlags.Get);

        var buffer = new ulong[depot.MaxFrames];
        int frameCount = 0;
        var reader = new Worker<bool>("parked reader", () => depot.TryFetch(h, buffer, out frameCount));
        using var script = new HookScript(depot);
        Park inSection = script.Park(reader.Thread, DepotHookPoint.FetchInSection, "the reader to enter its read section", v => v == h.Value);
        reader.Start();
        inSection.WaitArrived();

        depot.Put(h); // the record the reader is about to copy is freed under it
        int drops = 0;
        for (int i = 0; i < Churn; i++)
        {
            StackHandle churn = depot.Save(pick.Any(), SaveFlags.Get);
            if (churn.IsNone)
            {
                drops++;
            }
            else
            {
                depot.Put(churn);
            }
        }

        DepotStats whileParked = depot.GetStats();
        inSection.Release();
        bool ok = reader.Join();
        Assert.False(inSection.TimedOut, "the reader was never released");

        for (int i = 0; i < 8; i++)
        {
            StackHandle again = depot.Save(pick.Any(), SaveFlags.Get);
            Assert.False(again.IsNone, "a save dropped after the reader left, with freed records ready");
            depot.Put(again);
        }

        return new Parked(s, ok, buffer[..frameCount], drops, whileParked, depot.GetStats());
    }

    private sealed record Parked(ulong[] Stack, bool ReaderOk, ulong[] ReaderFrames, int DropsWhileParked, DepotStats WhileParked, DepotStats After);
}
