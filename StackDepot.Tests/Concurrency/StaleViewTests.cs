using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Scenario 6, the stale view (FreeBSD buf_ring's false "full"): a save decided "not there" from a stale bucket
/// head and waits for the insert lock while another thread inserts the same stack into the last free record.
/// Acting on the stale view would report a false drop (or, with room left, insert a duplicate).
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class StaleViewTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_save_acting_on_a_stale_miss_finds_the_stack_under_the_lock(bool oneRecordFromFull)
    {
        Stale seen = Observe(DepotProtections.None, oneRecordFromFull);

        Assert.False(seen.StaleResult.IsNone, "false drop: the stack was inserted by another thread, the depot was not full for it");
        Assert.Equal(seen.Inserter, seen.StaleResult);
        Assert.Equal(seen.Inserter, seen.Later);
        Assert.Equal(0, seen.Drops);
        Assert.Single(seen.Records);
        Assert.Equal(seen.Stack, seen.LaterFrames);
        Assert.Equal(3u, seen.Count);
    }

    [Fact]
    public void Without_recheck_a_stale_miss_reports_a_false_drop_when_one_record_from_full()
    {
        Stale seen = Observe(DepotProtections.RecheckUnderLock, oneRecordFromFull: true);

        Assert.True(seen.StaleResult.IsNone, "expected the stale save to be dropped");
        Assert.Equal(1, seen.Drops);
        Assert.Single(seen.Records); // the stack is stored all the same: the drop was false
    }

    [Fact]
    public void Without_recheck_a_stale_miss_inserts_a_duplicate_when_there_is_room()
    {
        Stale seen = Observe(DepotProtections.RecheckUnderLock, oneRecordFromFull: false);

        Assert.NotEqual(seen.Inserter, seen.StaleResult);
        Assert.Equal(2, seen.Records.Count);
    }

    private static Stale Observe(DepotProtections disabled, bool oneRecordFromFull)
    {
        // 4 KiB of capacity: a single pool of refcounted slots.
        using Depot depot = RaceDepots.Create(disabled, capacity: oneRecordFromFull ? 4096 : 64 << 10);
        var pick = new StackPicker(depot);
        ulong[] s = pick.Any();
        depot.Save(pick.InBucket(depot.BucketOf(s)), SaveFlags.Get); // the bucket head the stale save reads

        if (oneRecordFromFull)
        {
            // Fill every slot, then free one: exactly one record left for the stack.
            StackHandle last = StackHandle.None;
            for (int i = 0; i < 1000; i++)
            {
                StackHandle h = depot.Save(pick.Any(), SaveFlags.Get);
                if (h.IsNone)
                {
                    break;
                }

                last = h;
            }

            Assert.True(depot.GetStats().Drops == 1 && !last.IsNone, "could not fill the depot");
            depot.Put(last);
        }

        long dropsBefore = depot.GetStats().Drops;
        var stale = new Worker<StackHandle>("stale saver", () => depot.Save(s, SaveFlags.Get));
        var inserter = new Worker<StackHandle>("inserter", () => depot.Save(s, SaveFlags.Get));
        var later = new Worker<StackHandle>("later saver", () => depot.Save(s, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park beforeLock = script.Park(stale.Thread, DepotHookPoint.BeforeInsertLock, "the stale saver to miss in the lock-free pass");
        stale.Start();
        beforeLock.WaitArrived();

        StackHandle inserted = inserter.Start().Join(); // inserts the stack while the stale save waits
        beforeLock.Release();
        StackHandle staleResult = stale.Join();
        StackHandle laterResult = later.Start().Join();
        Assert.False(beforeLock.TimedOut, "the stale saver was never released");

        return new Stale(
            s,
            inserted,
            staleResult,
            laterResult,
            depot.GetStats().Drops - dropsBefore,
            RaceDepots.RecordsHolding(depot, s),
            RaceDepots.FramesOf(depot, laterResult),
            inserted.IsNone ? 0 : depot.CountOf(inserted));
    }

    private sealed record Stale(
        ulong[] Stack,
        StackHandle Inserter,
        StackHandle StaleResult,
        StackHandle Later,
        long Drops,
        List<uint> Records,
        ulong[]? LaterFrames,
        uint Count);
}
