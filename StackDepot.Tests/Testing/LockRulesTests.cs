using StackDepot.Reclamation;
using StackDepot.Storage;
using StackDepot.Testing;

namespace StackDepot.Tests.Testing;

/// <summary>The lock rules are checked in this (test-hook enabled) process: a broken rule throws.</summary>
public sealed class LockRulesTests
{
    [Fact]
    public void A_helper_that_needs_the_insert_lock_refuses_to_run_without_it()
    {
        var insertLock = new Lock();
        Assert.Throws<InvalidOperationException>(() => LockRules.AssertHeld(insertLock));
        using (insertLock.EnterScope())
        {
            LockRules.AssertHeld(insertLock);
        }

        var arena = new RefcountedArena(slotWords: 19, slotsPerPoolShift: 4, maxPools: 2, insertLock);
        Assert.Throws<InvalidOperationException>(() => arena.TryCarveFreshLocked(out _));
        Assert.Throws<InvalidOperationException>(() => arena.Pools.InstallLocked(arena.Pools.Allocate()));
        var persistent = new PersistentArena(poolShift: 9, maxPools: 2, insertLock);
        Assert.Throws<InvalidOperationException>(() => persistent.TryCarveLocked(10, out _));
        using (insertLock.EnterScope())
        {
            arena.Pools.InstallLocked(arena.Pools.Allocate());
            Assert.True(arena.TryCarveFreshLocked(out uint slot));
            Assert.Equal(0u, slot);
        }
    }

    [Fact]
    public void A_refcounted_record_read_without_protection_is_refused()
    {
        var domain = new EpochDomain();
        var insertLock = new Lock();
        EpochSlot slot = EpochSlotRegistry.Current;
        var error = Assert.Throws<InvalidOperationException>(() => LockRules.AssertProtected(domain, slot, insertLock, 0x8000_0001));
        Assert.Contains("80000001", error.Message);
        Assert.Throws<InvalidOperationException>(() => LockRules.AssertProtected(domain, null, insertLock, 0x8000_0001));
        using (domain.Enter(slot))
        {
            LockRules.AssertProtected(domain, slot, insertLock, 0x8000_0001);
            Assert.Throws<InvalidOperationException>(() => LockRules.AssertProtected(new EpochDomain(), slot, insertLock, 0x8000_0001));
        }

        using (insertLock.EnterScope())
        {
            LockRules.AssertProtected(domain, null, insertLock, 0x8000_0001);
        }
    }
}
