using StackDepot.Reclamation;
using StackDepot.Testing;

namespace StackDepot.Tests.Reclamation;

public sealed class GracePeriodQueueTests
{
    private readonly EpochDomain _domain = new();
    private readonly Lock _lock = new();
    private readonly DepotTestControls _controls = new();
    private readonly GracePeriodQueue _queue;

    public GracePeriodQueueTests() => _queue = new GracePeriodQueue(_domain, _lock, _controls);

    [Fact]
    public void With_no_reader_slots_come_back_at_once_oldest_first()
    {
        using (_lock.EnterScope())
        {
            _queue.RetireLocked(3);
            _queue.RetireLocked(1);
            _queue.RetireLocked(2);
            Assert.Equal(3, _queue.CountLocked);
            Assert.Equal(0, _queue.CountWaitingLocked());
            Assert.Equal([3u, 1u, 2u], TakeAll());
            Assert.False(_queue.TryTakeReclaimableLocked(out _));
            Assert.Equal(0, _queue.CountLocked);
        }
    }

    [Fact]
    public void A_reader_that_entered_before_a_retirement_holds_it_back_until_it_leaves()
    {
        using var reader = new ReaderThread(_domain);
        using (_lock.EnterScope())
        {
            _queue.RetireLocked(7);
            Assert.False(_queue.TryTakeReclaimableLocked(out _));
            Assert.Equal(1, _queue.CountWaitingLocked());
            Assert.Equal(1, _queue.CountLocked);
        }

        reader.Leave();
        using (_lock.EnterScope())
        {
            Assert.Equal(0, _queue.CountWaitingLocked());
            Assert.True(_queue.TryTakeReclaimableLocked(out uint slot));
            Assert.Equal(7u, slot);
        }
    }

    [Fact]
    public void A_reader_that_entered_after_a_retirement_does_not_hold_it_back()
    {
        using (_lock.EnterScope())
        {
            _queue.RetireLocked(7);
        }

        using var reader = new ReaderThread(_domain); // it cannot reach slot 7: the unlink came before its section
        using (_lock.EnterScope())
        {
            Assert.True(_queue.TryTakeReclaimableLocked(out uint slot));
            Assert.Equal(7u, slot);
        }

        reader.Leave();
    }

    [Fact]
    public void Only_the_oldest_is_considered_and_each_slot_waits_for_the_readers_of_its_own_time()
    {
        using var early = new ReaderThread(_domain);
        using (_lock.EnterScope())
        {
            _queue.RetireLocked(1); // held back by the early reader
        }

        early.Leave();
        using var late = new ReaderThread(_domain);
        using (_lock.EnterScope())
        {
            _queue.RetireLocked(2); // held back by the late reader
            Assert.True(_queue.TryTakeReclaimableLocked(out uint first));
            Assert.Equal(1u, first);
            Assert.False(_queue.TryTakeReclaimableLocked(out _));
        }

        late.Leave();
        using (_lock.EnterScope())
        {
            Assert.True(_queue.TryTakeReclaimableLocked(out uint second));
            Assert.Equal(2u, second);
        }
    }

    [Fact]
    public void Without_the_grace_period_a_reader_holds_nothing_back()
    {
        _controls.Disabled = DepotProtections.GracePeriod;
        using var reader = new ReaderThread(_domain);
        using (_lock.EnterScope())
        {
            _queue.RetireLocked(4);
            Assert.Equal(0, _queue.CountWaitingLocked());
            Assert.True(_queue.TryTakeReclaimableLocked(out uint slot));
            Assert.Equal(4u, slot);
        }

        reader.Leave();
    }

    [Fact]
    public void Calls_without_the_owners_lock_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => _queue.RetireLocked(1));
        Assert.Throws<InvalidOperationException>(() => _queue.TryTakeReclaimableLocked(out _));
        Assert.Throws<InvalidOperationException>(() => _queue.CountWaitingLocked());
    }

    private List<uint> TakeAll()
    {
        var taken = new List<uint>();
        while (_queue.TryTakeReclaimableLocked(out uint slot))
        {
            taken.Add(slot);
        }

        return taken;
    }
}
