using StackDepot.Reclamation;
using StackDepot.Testing;

namespace StackDepot.Tests.Reclamation;

public sealed class GracePeriodQueueTests
{
    private readonly DepotTestControls _controls = new();
    private readonly EpochDomain _domain;
    private readonly Lock _lock = new();
    private readonly GracePeriodQueue _queue;

    public GracePeriodQueueTests()
    {
        _domain = new EpochDomain(_controls);
        _queue = new GracePeriodQueue(_domain, _lock, _controls);
    }

    [Fact]
    public void With_no_reader_slots_come_back_after_one_scan_oldest_first()
    {
        Retire(3, 1, 2);
        using (_lock.EnterScope())
        {
            Assert.Equal(3, _queue.CountLocked);
            Assert.Equal(GracePeriodQueue.Take.NeedsScan, _queue.TryTakeReclaimableLocked(out _, scanned: false));
        }

        Assert.Equal([3u, 1u, 2u], TakeAll());
        using (_lock.EnterScope())
        {
            Assert.Equal(GracePeriodQueue.Take.Empty, _queue.TryTakeReclaimableLocked(out _, scanned: false));
            Assert.Equal(0, _queue.CountLocked);
        }
    }

    [Fact]
    public void A_reader_that_entered_before_a_retirement_holds_it_back_until_it_leaves()
    {
        using var reader = new ReaderThread(_domain);
        Retire(7);
        Assert.Equal(GracePeriodQueue.Take.HeldBack, TryTake(out _));
        _queue.ScanReaders();
        using (_lock.EnterScope())
        {
            Assert.Equal(1, _queue.CountWaitingLocked());
            Assert.Equal(1, _queue.CountLocked);
        }

        reader.Leave();
        Assert.Equal(GracePeriodQueue.Take.Taken, TryTake(out uint slot));
        Assert.Equal(7u, slot);
        using (_lock.EnterScope())
        {
            Assert.Equal(0, _queue.CountWaitingLocked());
        }
    }

    [Fact]
    public void A_reader_that_entered_after_a_retirement_does_not_hold_it_back()
    {
        Retire(7);
        using var reader = new ReaderThread(_domain); // it cannot reach slot 7: the unlink came before its section
        Assert.Equal(GracePeriodQueue.Take.Taken, TryTake(out uint slot));
        Assert.Equal(7u, slot);
        reader.Leave();
    }

    [Fact]
    public void Only_the_oldest_is_considered_and_each_slot_waits_for_the_readers_of_its_own_time()
    {
        using var early = new ReaderThread(_domain);
        Retire(1); // held back by the early reader
        early.Leave();
        using var late = new ReaderThread(_domain);
        Retire(2); // held back by the late reader
        Assert.Equal(GracePeriodQueue.Take.Taken, TryTake(out uint first));
        Assert.Equal(1u, first);
        Assert.Equal(GracePeriodQueue.Take.HeldBack, TryTake(out _));
        late.Leave();
        Assert.Equal(GracePeriodQueue.Take.Taken, TryTake(out uint second));
        Assert.Equal(2u, second);
    }

    [Fact]
    public void A_scan_result_only_grows_and_covers_every_slot_retired_before_it()
    {
        Retire(1, 2);
        _queue.ScanReaders();
        Retire(3); // after the scan: not covered until the next one
        using (_lock.EnterScope())
        {
            Assert.Equal(GracePeriodQueue.Take.Taken, _queue.TryTakeReclaimableLocked(out _, scanned: false));
            Assert.Equal(GracePeriodQueue.Take.Taken, _queue.TryTakeReclaimableLocked(out _, scanned: false));
            Assert.Equal(GracePeriodQueue.Take.NeedsScan, _queue.TryTakeReclaimableLocked(out _, scanned: false));
            Assert.Equal(1, _queue.CountWaitingLocked());
        }
    }

    [Fact]
    public void Without_the_grace_period_a_reader_holds_nothing_back()
    {
        _controls.Disabled = DepotProtections.GracePeriod;
        using var reader = new ReaderThread(_domain);
        Retire(4);
        using (_lock.EnterScope())
        {
            Assert.Equal(0, _queue.CountWaitingLocked());
            Assert.Equal(GracePeriodQueue.Take.Taken, _queue.TryTakeReclaimableLocked(out uint slot, scanned: false));
            Assert.Equal(4u, slot);
        }

        reader.Leave();
    }

    [Fact]
    public void Calls_without_the_owners_lock_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => _queue.RetireLocked(1));
        Assert.Throws<InvalidOperationException>(() => _queue.TryTakeReclaimableLocked(out _, scanned: false));
        Assert.Throws<InvalidOperationException>(() => _queue.CountWaitingLocked());
    }

    private void Retire(params uint[] slots)
    {
        using (_lock.EnterScope())
        {
            foreach (uint slot in slots)
            {
                _queue.RetireLocked(slot);
            }
        }
    }

    /// <summary>As the depot does: ask under the lock; if a scan is needed, scan outside it and ask again.</summary>
    private GracePeriodQueue.Take TryTake(out uint slot)
    {
        using (_lock.EnterScope())
        {
            GracePeriodQueue.Take first = _queue.TryTakeReclaimableLocked(out slot, scanned: false);
            if (first != GracePeriodQueue.Take.NeedsScan)
            {
                return first;
            }
        }

        _queue.ScanReaders();
        using (_lock.EnterScope())
        {
            return _queue.TryTakeReclaimableLocked(out slot, scanned: true);
        }
    }

    private List<uint> TakeAll()
    {
        var taken = new List<uint>();
        while (TryTake(out uint slot) == GracePeriodQueue.Take.Taken)
        {
            taken.Add(slot);
        }

        return taken;
    }
}
