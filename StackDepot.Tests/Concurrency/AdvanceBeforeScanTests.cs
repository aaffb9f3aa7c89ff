using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// The reclaimer scans the readers outside the insert lock, so records can be freed while it scans. It advances the
/// epoch before the scan and declares reclaimable only stamps up to that epoch: a record freed during the scan is
/// stamped above it. Advancing after the scan instead, a record freed under a reader that entered after the scan had
/// passed its slot gets a stamp below the bound, and the next insert reuses it under that reader.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class AdvanceBeforeScanTests
{
    [Fact]
    public void A_record_freed_during_a_scan_waits_for_the_readers_the_scan_missed()
    {
        Scan seen = Observe(DepotProtections.None);

        Assert.Equal(seen.Expected, seen.Result);
        Assert.Empty(seen.ForeignVisits);
        Assert.False(seen.LockFreePassMissed, "the lock-free pass missed a stack linked in its bucket all along");
        Assert.Equal(seen.QueuedSlot, seen.ScannerSlot); // the slot freed before the scan was reused by the scanner
        Assert.NotEqual(seen.FreedSlot, seen.NextSlot);  // the slot freed during the scan waited for the reader
    }

    [Fact]
    public void Without_the_advance_first_a_record_freed_during_the_scan_is_reused_under_a_reader()
    {
        Scan seen = Observe(DepotProtections.AdvanceBeforeScan);

        Assert.Equal(seen.QueuedSlot, seen.ScannerSlot);
        Assert.Equal(seen.FreedSlot, seen.NextSlot);
        Assert.NotEmpty(seen.ForeignVisits);
        Assert.True(seen.LockFreePassMissed, "the lock-free pass should have missed X after following R away");
    }

    private static Scan Observe(DepotProtections disabled)
    {
        using Depot depot = RaceDepots.Create(disabled, table: 4);
        // Bucket A = [R, X]: the reader looks up X; bucket B = [Z]. Q is freed before the scan, so that the scanner
        // (a save of the new stack S) has something to scan for.
        var scene = RelinkScene.Create(depot);
        StackHandle hr = scene.Hr;
        ulong[] q = scene.Pick.NotInBucket(scene.A);
        ulong[] s = scene.Pick.NotInBucket(scene.A);
        StackHandle hq = depot.Save(q, SaveFlags.Get);
        depot.Put(hq);

        var scanner = new Worker<StackHandle>("scanner", () => depot.Save(s, SaveFlags.Get));
        var reader = new Worker<StackHandle>("reader", () => depot.Save(scene.X, SaveFlags.Get));
        using var script = new HookScript(depot);
        Park afterScan = script.Park(scanner.Thread, DepotHookPoint.ReclaimAfterScan, "the scanner to finish its scan");
        Park onR = script.Park(reader.Thread, DepotHookPoint.LookupVisitRecord, "the reader to stand on R", v => v == hr.Value);
        scanner.Start();
        afterScan.WaitArrived();
        reader.Start(); // enters its section after the scan passed its slot
        onR.WaitArrived();

        depot.Put(hr); // R is freed while the scanner is between its scan and its result
        afterScan.Release();
        StackHandle hs = scanner.Join();
        StackHandle hy = depot.Save(scene.Y, SaveFlags.Get); // wants a slot: R's, if the scanner declared it reclaimable
        onR.Release();
        StackHandle result = reader.Join();
        Assert.False(afterScan.TimedOut || onR.TimedOut, "a parked thread was never released");

        LockFreeWalk walk = LockFreeWalk.Of(script, reader.Thread, scene.BucketOf(hy), scene.A);
        return new Scan(
            Expected: scene.Hx,
            Result: result,
            ForeignVisits: walk.ForeignVisits,
            LockFreePassMissed: walk.Missed,
            QueuedSlot: depot.SlotOf(hq),
            ScannerSlot: depot.SlotOf(hs),
            FreedSlot: depot.SlotOf(hr),
            NextSlot: depot.SlotOf(hy));
    }

    private sealed record Scan(StackHandle Expected, StackHandle Result, List<uint> ForeignVisits, bool LockFreePassMissed, uint QueuedSlot, uint ScannerSlot, uint FreedSlot, uint NextSlot);
}
