using System.Diagnostics.Tracing;
using StackDepot.Diagnostics;
using StackDepot.Tests.Support;

namespace StackDepot.Tests.Core;

/// <summary>The depot's rules, one or more tests each; every test fails if its rule breaks.</summary>
public sealed class DepotRulesTests
{
    // Rule 1 and the LLVM sanitizer depot's own checks.
    [Fact]
    public void Same_stack_gets_same_handle_and_different_stacks_differ()
    {
        using var depot = new Depot();
        var handles = new Dictionary<StackHandle, int>();
        for (int id = 0; id < 2000; id++)
        {
            StackHandle h = depot.Save(StackGen.Stack(id, 8 + (id % 57)));
            Assert.False(h.IsNone);
            Assert.True(handles.TryAdd(h, id), $"stack {id} got the handle of stack {(handles.TryGetValue(h, out int o) ? o : -1)}");
        }

        foreach (var (handle, id) in handles)
        {
            Assert.Equal(handle, depot.Save(StackGen.Stack(id, 8 + (id % 57))));
            Assert.Equal(StackGen.Stack(id, 8 + (id % 57)), depot.Fetch(handle));
        }

        DepotStats stats = depot.GetStats();
        Assert.Equal(2000, stats.Inserts);
        Assert.Equal(2000, stats.Hits);
        Assert.Equal(4000, stats.Saves);
        Assert.Equal(2000, stats.PersistentRecords);
    }

    [Fact]
    public void Stacks_differing_only_in_length_or_one_frame_get_different_handles()
    {
        using var depot = new Depot(StackGen.Small(table: 1));
        ulong[] a = StackGen.Stack(1, 10);
        ulong[] b = (ulong[])a.Clone();
        b[9] ^= 1;
        StackHandle ha = depot.Save(a);
        StackHandle hb = depot.Save(b);
        StackHandle hc = depot.Save(a.AsSpan(0, 9));
        Assert.Equal(3, new[] { ha, hb, hc }.Distinct().Count());
        Assert.Equal(a.AsSpan(0, 9).ToArray(), depot.Fetch(hc));
    }

    [Fact]
    public void Empty_stack_saves_to_none_and_is_not_counted()
    {
        using var depot = new Depot();
        Assert.True(depot.Save(ReadOnlySpan<ulong>.Empty).IsNone);
        Assert.True(depot.Save([], SaveFlags.Get).IsNone);
        Assert.Equal(0, depot.GetStats().Saves);
        Assert.False(depot.TryFetch(StackHandle.None, new ulong[4], out int n));
        Assert.Equal(0, n);
        Assert.Throws<ArgumentException>(() => depot.Fetch(StackHandle.None));
        depot.Put(StackHandle.None); // a dropped save's handle may be put back: no-op
    }

    [Fact]
    public void A_very_long_stack_keeps_its_innermost_MaxFrames_frames()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });
        ulong[] deep = StackGen.Stack(7, 10_000);
        StackHandle h = depot.Save(deep);
        Assert.Equal(deep.AsSpan(0, 64).ToArray(), depot.Fetch(h));
        Assert.Equal(h, depot.Save(deep.AsSpan(0, 64)));  // the truncated stack is the same stack
        Assert.Equal(h, depot.Save(deep.AsSpan(0, 65)));
        Assert.Equal(2, depot.GetStats().Truncated);

        using var wide = new Depot(new DepotOptions { MaxFrames = 4096, PoolBytes = 64 << 10 });
        StackHandle hw = wide.Save(deep, SaveFlags.Get);
        Assert.Equal(deep.AsSpan(0, 4096).ToArray(), wide.Fetch(hw));
    }

    [Fact]
    public void Concurrent_saves_of_one_new_stack_create_one_record()
    {
        using var depot = new Depot(StackGen.Small(table: 2));
        for (int round = 0; round < 50; round++)
        {
            ulong[] stack = StackGen.Stack(round, 12);
            var handles = new StackHandle[4];
            using var start = new Barrier(4);
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                start.SignalAndWait();
                handles[i] = depot.Save(stack, (round & 1) == 0 ? SaveFlags.Get : SaveFlags.None);
            });
            Assert.Single(handles.Distinct());
        }

        Assert.Equal(50, depot.GetStats().Inserts);
    }

    // Rule 2: lookups take no lock.
    [Fact]
    public void Hits_and_fetches_complete_while_another_thread_holds_the_insert_lock()
    {
        using var depot = new Depot(StackGen.Small());
        ulong[] persistent = StackGen.Stack(1, 10);
        ulong[] counted = StackGen.Stack(2, 10);
        StackHandle hp = depot.Save(persistent);
        StackHandle hc = depot.Save(counted, SaveFlags.Get);

        bool completed;
        using (depot.HoldInsertLock())
        {
            var reader = Task.Run(() =>
            {
                Assert.Equal(hp, depot.Save(persistent));
                Assert.Equal(hc, depot.Save(counted, SaveFlags.Get));
                Assert.Equal(counted, depot.Fetch(hc));
                Assert.Equal(persistent, depot.Fetch(hp));
                depot.Put(hc); // not the last reference: no lock either
            });
#pragma warning disable xUnit1031 // the lock scope must be released by the thread that holds it
            completed = reader.Wait(TimeSpan.FromSeconds(30));
#pragma warning restore xUnit1031
        }

        Assert.True(completed, "a lookup blocked on the insert lock");
        Assert.Equal(1u, depot.CountOf(hc));
    }

    // Rule 4: persistent and refcounted records, and both ways at once.
    [Fact]
    public void Last_put_frees_a_refcounted_record_and_its_handle_goes_stale()
    {
        using var depot = new Depot(StackGen.Small());
        ulong[] stack = StackGen.Stack(3, 9);
        StackHandle h1 = depot.Save(stack, SaveFlags.Get);
        StackHandle h2 = depot.Save(stack, SaveFlags.Get);
        Assert.Equal(h1, h2);
        Assert.True(Depot.IsRefcountedHandle(h1));
        Assert.Equal(2u, depot.CountOf(h1));

        depot.Put(h1);
        Assert.Equal(stack, depot.Fetch(h1));
        depot.Put(h2);

        Assert.False(depot.TryFetch(h1, new ulong[16], out _));
        Assert.Throws<ArgumentException>(() => depot.Fetch(h1));
        DepotStats stats = depot.GetStats();
        Assert.Equal(1, stats.RefcountedFrees);
        Assert.Equal(0, stats.RefcountedInUse);
        Assert.Equal(1, stats.FreeListLength);
        Assert.Empty(depot.ChainOf(depot.BucketOf(stack)));
    }

    [Fact]
    public void Unbalanced_put_throws_and_changes_nothing()
    {
        using var depot = new Depot(StackGen.Small());
        StackHandle h = depot.Save(StackGen.Stack(4, 9), SaveFlags.Get);
        depot.Put(h);
        DepotStats before = depot.GetStats();
        var error = Assert.Throws<InvalidOperationException>(() => depot.Put(h));
        Assert.Contains("unbalanced", error.Message);
        Assert.Equal(before, depot.GetStats());

        // The slot is reused by another stack; the stale handle still refuses, and the new record is untouched.
        StackHandle other = depot.Save(StackGen.Stack(5, 9), SaveFlags.Get);
        Assert.Equal(depot.SlotOf(h), depot.SlotOf(other));
        Assert.NotEqual(h, other);
        Assert.Throws<InvalidOperationException>(() => depot.Put(h));
        Assert.Equal(1u, depot.CountOf(other));
        Assert.Equal(StackGen.Stack(5, 9), depot.Fetch(other));
    }

    [Fact]
    public void Put_on_a_persistent_record_saved_without_Get_throws()
    {
        using var depot = new Depot(StackGen.Small());
        StackHandle h = depot.Save(StackGen.Stack(6, 9));
        Assert.False(Depot.IsRefcountedHandle(h));
        var error = Assert.Throws<InvalidOperationException>(() => depot.Put(h));
        Assert.Contains("persistent", error.Message);
        Assert.Equal(StackGen.Stack(6, 9), depot.Fetch(h));
    }

    [Fact]
    public void Get_on_a_persistent_stack_returns_its_handle_and_the_matching_put_is_accepted()
    {
        using var depot = new Depot(StackGen.Small());
        ulong[] stack = StackGen.Stack(7, 9);
        StackHandle persistent = depot.Save(stack);
        StackHandle got = depot.Save(stack, SaveFlags.Get);
        Assert.Equal(persistent, got);
        depot.Put(got);
        depot.Put(got);
        Assert.Equal(stack, depot.Fetch(persistent));
        Assert.Equal(1, depot.GetStats().PersistentRecords);
    }

    [Fact]
    public void Persistent_save_of_a_refcounted_stack_pins_it_and_later_puts_are_accepted()
    {
        using var depot = new Depot(StackGen.Small());
        ulong[] stack = StackGen.Stack(8, 9);
        StackHandle counted = depot.Save(stack, SaveFlags.Get);
        StackHandle pinned = depot.Save(stack);
        Assert.Equal(counted, pinned);
        Assert.Equal(uint.MaxValue, depot.CountOf(counted));
        depot.Put(counted);
        depot.Put(counted);
        Assert.Equal(stack, depot.Fetch(counted));
        DepotStats stats = depot.GetStats();
        Assert.Equal(1, stats.PersistentRecords);
        Assert.Equal(0, stats.RefcountedInUse);
        Assert.Equal(0, stats.RefcountedFrees);
    }

    [Fact]
    public void Put_on_a_stack_saved_without_Get_into_a_refcounted_slot_throws_until_a_Get_hands_it_out()
    {
        // No persistent pool fits this capacity, so a persistent save takes a refcounted slot, pinned from the start.
        using var depot = new Depot(new DepotOptions { MaxFrames = 509, PoolBytes = 4096, CapacityBytes = 4096, TableSize = 16 });
        ulong[] stack = StackGen.Stack(9, 20);
        StackHandle h = depot.Save(stack);
        Assert.True(Depot.IsRefcountedHandle(h));
        Assert.Equal(uint.MaxValue, depot.CountOf(h));

        DepotStats before = depot.GetStats();
        var error = Assert.Throws<InvalidOperationException>(() => depot.Put(h));
        Assert.Contains("without SaveFlags.Get", error.Message);
        Assert.Throws<InvalidOperationException>(() => depot.Put(h));
        Assert.Equal(before, depot.GetStats());

        // Once a save with Get has returned it, its puts are legitimate no-ops, as for a persistent record.
        Assert.Equal(h, depot.Save(stack, SaveFlags.Get));
        depot.Put(h);
        depot.Put(h);
        Assert.Equal(stack, depot.Fetch(h));
        Assert.Equal(1, depot.GetStats().PersistentRecords);
    }

    // Rule 5: reuse only after the grace period; reuse never waits (fresh space instead).
    [Fact]
    public void Freed_slot_is_reused_once_no_reader_can_see_it()
    {
        using var depot = new Depot(StackGen.Small());
        StackHandle a = depot.Save(StackGen.Stack(10, 9), SaveFlags.Get);
        depot.Put(a);
        StackHandle b = depot.Save(StackGen.Stack(11, 9), SaveFlags.Get);
        Assert.Equal(depot.SlotOf(a), depot.SlotOf(b));
        Assert.NotEqual(depot.GenerationOf(a), depot.GenerationOf(b));
        DepotStats stats = depot.GetStats();
        Assert.Equal(1, stats.Reused);
        Assert.Equal(0, stats.FreeListLength);
        Assert.Equal(0, stats.WaitingForGracePeriod);
    }

    // Rule 6: pooled storage, persistent records sized to their stack.
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(37)]
    [InlineData(64)]
    public void A_persistent_record_costs_24_bytes_plus_8_per_frame(int depth)
    {
        using var depot = new Depot();
        for (int id = 0; id < 1000; id++)
        {
            depot.Save(StackGen.Stack(id, depth));
        }

        DepotStats stats = depot.GetStats();
        Assert.Equal(1000L * (24 + (8 * depth)), stats.PersistentBytes);
        Assert.True(stats.BytesReserved >= stats.BytesUsed);
        Assert.True(stats.Pools >= 1);
    }

    // Rule 7: stale and forged handles never return another stack's frames.
    [Fact]
    public void Forged_handles_never_fetch_another_stacks_frames()
    {
        using var depot = new Depot(StackGen.Small(capacity: 256 << 10, table: 64));
        var stored = new Dictionary<StackHandle, ulong[]>();
        for (int id = 0; id < 300; id++)
        {
            ulong[] stack = StackGen.Stack(id, 1 + (id % 16));
            StackHandle h = depot.Save(stack, (id % 3) == 0 ? SaveFlags.Get : SaveFlags.None);
            stored[h] = stack;
        }

        var rng = new Random(12345);
        var buffer = new ulong[16];
        int accepted = 0;
        for (int i = 0; i < 200_000; i++)
        {
            // Near misses of real handles (one bit flipped) and random values.
            StackHandle forged = (i & 1) == 0
                ? new StackHandle((uint)rng.NextInt64(1, uint.MaxValue))
                : new StackHandle(stored.Keys.ElementAt(rng.Next(stored.Count)).Value ^ (1u << rng.Next(32)));
            if (depot.TryFetch(forged, buffer, out int n))
            {
                accepted++;
                Assert.True(stored.TryGetValue(forged, out ulong[]? expected), $"forged handle {forged} was accepted");
                Assert.Equal(expected, buffer[..n]);
            }
        }

        // The only accepted values are real handles that the bit flips or the random draw happened to hit.
        Assert.True(accepted < 200_000 / 4);
    }

    [Theory]
    [InlineData(1, 4L << 30)]
    [InlineData(1, 16L << 30)]
    [InlineData(8, 16L << 30)]
    [InlineData(64, 16L << 30)]
    [InlineData(64, 256L << 20)]
    [InlineData(65536, 16L << 30)]
    public void Every_accepted_configuration_keeps_at_least_10_generation_bits(int maxFrames, long capacity)
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = maxFrames, CapacityBytes = capacity, TableSize = 16 });
        Assert.True(depot.HandleGenerationBits >= 10, $"{depot.HandleGenerationBits} generation bits");
    }

    [Fact]
    public void A_stale_handle_is_refused_through_1023_reuses_of_its_slot()
    {
        // The configuration with the most refcounted slots per byte: one-frame stacks, 4 GiB.
        using var depot = new Depot(new DepotOptions { MaxFrames = 1, CapacityBytes = 4L << 30, TableSize = 16 });
        StackHandle stale = depot.Save([1UL], SaveFlags.Get);
        depot.Put(stale);
        for (ulong i = 2; i <= 1024; i++)
        {
            StackHandle live = depot.Save([i], SaveFlags.Get);
            Assert.Equal(depot.SlotOf(stale), depot.SlotOf(live)); // the same slot, reused
            Assert.Throws<InvalidOperationException>(() => depot.Put(stale));
            Assert.Equal(1u, depot.CountOf(live));
            Assert.False(depot.TryFetch(stale, new ulong[1], out _));
            depot.Put(live);
        }
    }

    [Fact]
    public void Handles_from_another_depot_are_refused()
    {
        using var one = new Depot(StackGen.Small());
        using var two = new Depot(StackGen.Small());
        StackHandle h = one.Save(StackGen.Stack(1, 9));
        StackHandle g = one.Save(StackGen.Stack(2, 9), SaveFlags.Get);
        Assert.False(two.TryFetch(h, new ulong[16], out _));
        Assert.False(two.TryFetch(g, new ulong[16], out _));
        Assert.Throws<ArgumentException>(() => two.Put(h));
        Assert.Throws<ArgumentException>(() => two.Put(g));
    }

    [Fact]
    public void TryFetch_reports_the_length_when_the_destination_is_short()
    {
        using var depot = new Depot(StackGen.Small());
        StackHandle h = depot.Save(StackGen.Stack(1, 12));
        var small = new ulong[4];
        Assert.False(depot.TryFetch(h, small, out int needed));
        Assert.Equal(12, needed);
        Assert.All(small, f => Assert.Equal(0UL, f));
    }

    // Rule 8: bounded capacity; a full depot drops, counts, warns once, and keeps every stored stack.
    [Fact]
    public void A_full_depot_returns_none_counts_drops_warns_once_and_keeps_every_stack()
    {
        using var listener = new CapacityListener();
        DepotOptions options = StackGen.Small(capacity: 16 << 10, pool: 4096);
        options.Name = "capacity-" + Guid.NewGuid().ToString("N");
        using var depot = new Depot(options);
        var stored = new Dictionary<StackHandle, ulong[]>();
        int dropped = 0;
        for (int id = 0; id < 2000; id++)
        {
            ulong[] stack = StackGen.Stack(id, 16);
            StackHandle h = depot.Save(stack, (id & 1) == 0 ? SaveFlags.Get : SaveFlags.None);
            if (h.IsNone)
            {
                dropped++;
            }
            else
            {
                stored[h] = stack;
            }
        }

        DepotStats stats = depot.GetStats();
        Assert.True(dropped > 0);
        Assert.Equal(dropped, stats.Drops);
        Assert.True(stats.CapacityReached);
        Assert.True(stats.BytesReserved <= 16 << 10);
        Assert.Equal(1, listener.CountFor(depot.Name));
        foreach (var (h, stack) in stored)
        {
            Assert.Equal(stack, depot.Fetch(h));
            Assert.Equal(h, depot.Save(stack, Depot.IsRefcountedHandle(h) ? SaveFlags.Get : SaveFlags.None));
        }

        // Freeing refcounted records makes room again.
        foreach (StackHandle h in stored.Keys.Where(Depot.IsRefcountedHandle).ToList())
        {
            depot.Put(h);
            depot.Put(h);
        }

        Assert.False(depot.Save(StackGen.Stack(99_999, 16), SaveFlags.Get).IsNone);
    }

    [Fact]
    public void The_capacity_warning_is_written_after_the_insert_lock_is_released()
    {
        DepotOptions options = StackGen.Small(capacity: 4096, pool: 4096);
        options.Name = "capacity-lock-" + Guid.NewGuid().ToString("N");
        using var depot = new Depot(options);
        using var listener = new CapacityListener { Depot = depot };
        for (int id = 0; id < 200 && !depot.GetStats().CapacityReached; id++)
        {
            depot.Save(StackGen.Stack(id, 16));
        }

        Assert.Equal(1, listener.CountFor(depot.Name));
        Assert.False(listener.LockHeldWhileWriting, "the CapacityReached listener ran under the depot's insert lock");
    }

    // Rule 9: a per-depot random seed.
    [Fact]
    public void Each_depot_draws_its_own_hash_seed_unless_one_is_given()
    {
        using var a = new Depot();
        using var b = new Depot();
        Assert.NotEqual(a.HashSeed, b.HashSeed);
        using var c = new Depot(new DepotOptions { HashSeed = 42 });
        Assert.Equal(42UL, c.HashSeed);
    }

    // Rule 10: stats and metrics.
    [Fact]
    public void Stats_count_saves_hits_inserts_puts_and_frees()
    {
        using var depot = new Depot(StackGen.Small());
        StackHandle a = depot.Save(StackGen.Stack(1, 9), SaveFlags.Get);
        depot.Save(StackGen.Stack(1, 9), SaveFlags.Get);
        depot.Save(StackGen.Stack(2, 9));
        depot.Put(a);
        depot.Put(a);
        DepotStats s = depot.GetStats();
        Assert.Equal(3, s.Saves);
        Assert.Equal(1, s.Hits);
        Assert.Equal(2, s.Inserts);
        Assert.Equal(2, s.Puts);
        Assert.Equal(1, s.RefcountedAllocations);
        Assert.Equal(1, s.RefcountedFrees);
        Assert.Equal(1, s.PersistentRecords);
        Assert.Equal(1, s.StacksStored);
    }

    [Fact]
    public void Counters_from_a_finished_thread_are_kept()
    {
        using var depot = new Depot(StackGen.Small());
        var worker = new Thread(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                depot.Save(StackGen.Stack(i % 10, 9));
            }
        });
        worker.Start();
        worker.Join();
        Assert.Equal(100, depot.GetStats().Saves);
        Assert.Equal(90, depot.GetStats().Hits);
    }

    [Fact]
    public void Metrics_are_published_on_the_StackDepot_meter()
    {
        using var depot = new Depot(new DepotOptions { Name = "metrics-test-" + Guid.NewGuid().ToString("N") });
        depot.Save(StackGen.Stack(1, 9));
        depot.Save(StackGen.Stack(1, 9));

        Dictionary<string, long> seen = MeterReadings.Read("stackdepot.", "depot", depot.Name);

        Assert.Equal(2, seen["stackdepot.saves"]);
        Assert.Equal(1, seen["stackdepot.hits"]);
        Assert.Equal(1, seen["stackdepot.records.persistent"]);
        Assert.True(seen["stackdepot.bytes.reserved"] > 0);
        Assert.Contains("stackdepot.freelist.waiting", seen.Keys);
        Assert.Contains("stackdepot.drops", seen.Keys);
    }

    [Fact]
    public void Disposed_depot_refuses_calls()
    {
        var depot = new Depot(StackGen.Small());
        StackHandle h = depot.Save(StackGen.Stack(1, 9));
        depot.Dispose();
        Assert.Throws<ObjectDisposedException>(() => depot.Save(StackGen.Stack(1, 9)));
        Assert.Throws<ObjectDisposedException>(() => depot.TryFetch(h, new ulong[16], out _));
    }

    [Theory]
    [InlineData(0, 64 << 10, 4096, 0)]
    [InlineData(70_000, 64 << 10, 4096, 0)]
    [InlineData(64, 1024, 4096, 0)]
    [InlineData(64, 64 << 10, 100, 0)]
    [InlineData(64, 64 << 10, 4096, 3)]
    public void Options_out_of_range_are_refused(int maxFrames, long capacity, int pool, int table)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Depot(new DepotOptions
        {
            MaxFrames = maxFrames, CapacityBytes = capacity, PoolBytes = pool, TableSize = table,
        }));
    }

    private sealed class CapacityListener : EventListener
    {
        private readonly List<string> _depots = [];

        /// <summary>A depot whose lock state the listener records when its event is written.</summary>
        public Depot? Depot { get; init; }

        public bool LockHeldWhileWriting { get; private set; }

        public int CountFor(string depot)
        {
            lock (_depots)
            {
                return _depots.Count(d => d == depot);
            }
        }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "StackDepot")
            {
                EnableEvents(source, EventLevel.Warning);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == nameof(DepotEventSource.CapacityReached) && e.Payload is { Count: > 0 })
            {
                lock (_depots)
                {
                    _depots.Add((string)e.Payload[0]!);
                }

                if (Depot is { } depot && (string?)e.Payload[0] == depot.Name && depot.InsertLockHeldByCurrentThread)
                {
                    LockHeldWhileWriting = true;
                }
            }
        }
    }
}
