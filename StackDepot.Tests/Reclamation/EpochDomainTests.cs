using StackDepot.Reclamation;

namespace StackDepot.Tests.Reclamation;

public sealed class EpochDomainTests
{
    [Fact]
    public void Entering_announces_the_current_epoch_and_leaving_clears_it()
    {
        var domain = new EpochDomain();
        domain.Advance();
        EpochSlot slot = EpochSlotRegistry.Current;
        Assert.False(domain.IsInSection(slot));
        using (domain.Enter(slot))
        {
            Assert.Equal(domain.Now, Volatile.Read(ref slot.Epoch));
            Assert.Same(domain, slot.Domain);
            Assert.True(domain.IsInSection(slot));
        }

        Assert.Equal(0, Volatile.Read(ref slot.Epoch));
        Assert.False(domain.IsInSection(slot));
    }

    [Fact]
    public void A_section_is_left_when_the_reader_throws()
    {
        var domain = new EpochDomain();
        EpochSlot slot = EpochSlotRegistry.Current;
        Assert.Throws<InvalidOperationException>(ReadAndFail);
        Assert.Equal(0, Volatile.Read(ref slot.Epoch));

        void ReadAndFail()
        {
            using ReadSection section = domain.Enter(slot);
            Assert.True(domain.IsInSection(slot));
            throw new InvalidOperationException("reader failed");
        }
    }

    [Fact]
    public void Computing_the_safe_epoch_advances_it_and_with_no_reader_returns_the_new_epoch()
    {
        var domain = new EpochDomain();
        long before = domain.Now;
        long safe = domain.ComputeSafeToReclaimEpoch();
        Assert.Equal(before + 1, safe);
        Assert.Equal(safe, domain.Now);
        Assert.Equal(safe + 1, domain.ComputeSafeToReclaimEpoch());
    }

    [Fact]
    public void A_reader_in_a_section_holds_the_safe_epoch_at_what_it_announced_until_it_leaves()
    {
        var domain = new EpochDomain();
        domain.Advance();
        using var reader = new ReaderThread(domain);
        long announced = reader.Announced;
        Assert.Equal(domain.Now, announced);
        domain.Advance();
        domain.Advance();

        Assert.Equal(announced, domain.ComputeSafeToReclaimEpoch());
        Assert.Equal(announced, domain.ComputeSafeToReclaimEpoch());

        reader.Leave();
        Assert.Equal(domain.Now + 1, domain.ComputeSafeToReclaimEpoch());
    }

    [Fact]
    public void The_oldest_of_several_readers_decides()
    {
        var domain = new EpochDomain();
        using var first = new ReaderThread(domain);
        domain.Advance();
        domain.Advance();
        using var second = new ReaderThread(domain);
        Assert.True(first.Announced < second.Announced);
        Assert.Equal(first.Announced, domain.ComputeSafeToReclaimEpoch());
        first.Leave();
        Assert.Equal(second.Announced, domain.ComputeSafeToReclaimEpoch());
        second.Leave();
    }

    [Fact]
    public void A_reader_of_another_domain_holds_nothing_back()
    {
        var mine = new EpochDomain();
        var other = new EpochDomain();
        using var reader = new ReaderThread(other);
        long before = mine.Now;
        Assert.Equal(before + 1, mine.ComputeSafeToReclaimEpoch());
        Assert.Equal(reader.Announced, other.ComputeSafeToReclaimEpoch());
        reader.Leave();
    }

    [Fact]
    public void Slots_have_distinct_indexes_and_a_dead_threads_slot_goes_to_a_new_thread()
    {
        EpochSlot[] all = EpochSlotRegistry.Slots;
        Assert.Equal(all.Length, all.Select(s => s.Index).Distinct().Count());
        Assert.All(all, s => Assert.Same(s, EpochSlotRegistry.Slots[s.Index]));

        // Short-lived threads one after another: each dead thread's slot is handed back by a finalizer, so the
        // registry does not grow by one slot per thread (other tests' threads may take a few meanwhile).
        int before = EpochSlotRegistry.Slots.Length;
        const int threads = 30;
        for (int i = 0; i < threads; i++)
        {
            var t = new Thread(() => _ = EpochSlotRegistry.Current);
            t.Start();
            t.Join();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.True(EpochSlotRegistry.Slots.Length - before < threads / 2, $"{EpochSlotRegistry.Slots.Length - before} new slots for {threads} threads that ran one after another");
    }
}
