using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using StackDepot.Testing;
using StackDepot.Tests.Core;
using Xunit.Abstractions;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// Randomized stress: threads mixing saves with <c>Get</c>, fetches (of their own handles and of handles other
/// threads published, possibly stale) and puts over a small universe of stacks, in a depot with a tiny table
/// (long chains) and a tiny capacity (constant reuse, drops). Random yields at the hook points widen the race
/// windows. Invariants are checked on every operation and, at quiet points between rounds, on the whole depot.
/// Bounded in time by default; set <c>STACKDEPOT_SOAK_SECONDS</c> for a longer soak.
/// </summary>
[Collection(DepotRacesCollection.Name)]
public sealed class DepotStressTests(ITestOutputHelper output)
{
    [Fact]
    public void Mixed_saves_fetches_and_puts_keep_every_invariant()
    {
        // 4 KiB persistent pool + 2 refcounted pools of 16 slots; 64 refcounted stacks; each thread holds up to 8.
        // 4 persistent stacks are saved first (the tails of the chains), 16 more for the first time during the run:
        // they land at the head of chains in front of refcounted records, so lookups walk a persistent prefix and
        // restart in a read section at the first refcounted link.
        var config = new StressConfig(Threads: 4, Universe: 64, PersistentStacks: 4, LatePersistentStacks: 16, MaxHeld: 8, Capacity: 4096 + (2 * 2432), Table: 4);
        Run(config, DefaultSeconds(6));
    }

    [Fact]
    public void Free_list_under_fire_never_hands_a_record_out_twice_nor_loses_one()
    {
        // One pool of 16 slots, 32 stacks, holds of one or two: puts free records while saves take them back.
        var config = new StressConfig(Threads: 4, Universe: 32, PersistentStacks: 0, LatePersistentStacks: 0, MaxHeld: 2, Capacity: 4096, Table: 4);
        Run(config, DefaultSeconds(5));
    }

    private static double DefaultSeconds(double seconds) =>
        double.TryParse(Environment.GetEnvironmentVariable("STACKDEPOT_SOAK_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out double soak) && soak > 0
            ? soak
            : seconds;

    private void Run(StressConfig config, double seconds)
    {
        int seed = Environment.TickCount;
        output.WriteLine($"stress: {config}, {seconds} s, random seed {seed}");
        using Depot depot = RaceDepots.Create(DepotProtections.None, config.Table, config.Capacity);
        var universe = Enumerable.Range(0, config.Universe).Select(id => StackGen.Stack(id, 1 + (id % 16))).ToArray();
        var persistent = Enumerable.Range(0, config.PersistentStacks).Select(id => StackGen.Stack(100_000 + id, 3 + id)).ToArray();
        var persistentHandles = persistent.Select(p => depot.Save(p)).ToArray();
        Assert.DoesNotContain(StackHandle.None, persistentHandles);
        var late = Enumerable.Range(0, config.LatePersistentStacks).Select(id => StackGen.Stack(200_000 + id, 3 + (id % 8))).ToArray();

        var state = new SharedState(config, universe, persistent, persistentHandles, late, depot);
        int slotWords = 3 + depot.MaxFrames;

        // Random yields (and the odd short spin) at hook points: perturbation to vary interleavings, never a wait.
        // Also counts the lookups that walked a persistent prefix before their first refcounted link.
        depot.TestHook = (point, value) =>
        {
            StressWorker.CountPrefix(point, value, state);
            StressWorker.Perturb();
        };

        var workers = Enumerable.Range(0, config.Threads).Select(i => new StressWorker(i, seed + i, state)).ToList();
        var threads = workers.Select(w => new Thread(w.Run) { IsBackground = true, Name = $"stress {w.Id}" }).ToList();
        threads.ForEach(t => t.Start());

        var clock = Stopwatch.StartNew();
        int rounds = 0;
        try
        {
            DepotStats stats;
            while (true)
            {
                // Quiet point: every worker finished its round and waits.
                Assert.True(state.Barrier.SignalAndWait(RaceTimeouts.Park), "a stress worker did not finish its round in time");
                rounds++;
                state.LateAvailable = Math.Min(state.Late.Length, rounds); // one more late stack may be saved each round
                CheckQuiet(depot, state, workers, slotWords, finalPhase: false);
                bool stop = !state.Violations.IsEmpty || (clock.Elapsed.TotalSeconds >= seconds && rounds >= 3);
                state.Final = stop;
                Assert.True(state.Barrier.SignalAndWait(RaceTimeouts.Park), "a stress worker did not resume in time");
                if (stop)
                {
                    break;
                }
            }

            // Final round: every worker puts back all it holds, then waits (alive) until we are done.
            Assert.True(state.Barrier.SignalAndWait(RaceTimeouts.Park), "a stress worker did not put back its handles in time");
            AssertNoViolations(state);
            stats = CheckQuiet(depot, state, workers, slotWords, finalPhase: true);
            depot.TestHook = null;

            output.WriteLine($"rounds {rounds}, ops {workers.Sum(w => w.Ops)}, saves {stats.Saves}, hits {stats.Hits}, " +
                $"inserts {stats.Inserts}, drops {stats.Drops}, puts {stats.Puts}, frees {stats.RefcountedFrees}, reused {stats.Reused}, " +
                $"foreign fetches ok {workers.Sum(w => w.ForeignHits)} / stale {workers.Sum(w => w.ForeignStale)}, " +
                $"lookups restarted after a persistent prefix {Volatile.Read(ref state.RestartsAfterPrefix)}");
            Assert.True(stats.Reused > 0, "the stress never reused a record; it is not exercising the free list");
            if (config.LatePersistentStacks > 0)
            {
                Assert.True(Volatile.Read(ref state.RestartsAfterPrefix) > 0, "no lookup restarted after a persistent prefix");
            }

            // All puts done: nothing in use, every carved slot on the free list, nothing waiting. Memory stops
            // growing: one more pass over the whole universe runs on reused records, without a new pool or a drop.
            Assert.Equal(0, stats.RefcountedInUse);
            Assert.Equal(stats.RefcountedAllocations, stats.RefcountedFrees);
            Assert.Equal(0, stats.WaitingForGracePeriod);
            foreach (ulong[] stack in universe)
            {
                StackHandle h = depot.Save(stack, SaveFlags.Get);
                Assert.False(h.IsNone, "a drop with every record free");
                Assert.Equal(stack, depot.Fetch(h));
                depot.Put(h);
            }

            DepotStats end = depot.GetStats();
            Assert.Equal(stats.BytesReserved, end.BytesReserved);
            Assert.True(end.BytesReserved <= config.Capacity);
            Assert.Equal(0, end.RefcountedInUse);
            Assert.Equal(stats.Drops, end.Drops);
        }
        finally
        {
            // Never leave a worker parked: on a failure let them run out of the barrier without us.
            state.Exit = true;
            if (!state.Final || !state.Violations.IsEmpty)
            {
                try
                {
                    state.Barrier.RemoveParticipant();
                }
                catch (InvalidOperationException)
                {
                }
            }

            state.Done.Set();
            depot.TestHook = null;
        }
    }

    private static void AssertNoViolations(SharedState state) =>
        Assert.True(state.Violations.IsEmpty, $"{state.Violations.Count} violation(s):\n" + string.Join("\n", state.Violations.Take(8)));

    /// <summary>Whole-depot invariants, checked while every worker waits at the barrier.</summary>
    private static DepotStats CheckQuiet(Depot depot, SharedState state, List<StressWorker> workers, int slotWords, bool finalPhase)
    {
        AssertNoViolations(state);

        // Chains: each record in its own bucket, no two records for equal frames, no cycle.
        var stored = new Dictionary<string, uint>();
        for (uint bucket = 0; bucket < state.Config.Table; bucket++)
        {
            List<uint> chain = depot.ChainOf(bucket);
            Assert.True(chain.Count <= 1000, $"bucket {bucket} has a chain of {chain.Count} records (a cycle?)");
            foreach (uint value in chain)
            {
                ulong[]? frames = RaceDepots.FramesOf(depot, new StackHandle(value));
                Assert.True(frames != null, $"record {value:x8} is linked in bucket {bucket} but does not fetch");
                Assert.Equal(bucket, depot.BucketOf(frames));
                string key = string.Join(',', frames);
                Assert.False(stored.TryGetValue(key, out uint other), $"two live records for equal frames: {other:x8} and {value:x8}");
                stored[key] = value;
            }
        }

        // Every handle the workers hold: live, its own frames, its count equal to the references held on it.
        var heldRefs = new Dictionary<uint, int>();
        foreach (StressWorker worker in workers)
        {
            foreach (Held held in worker.HeldList)
            {
                Assert.Equal(state.Universe[held.Stack], RaceDepots.FramesOf(depot, held.Handle));
                heldRefs[held.Handle.Value] = heldRefs.GetValueOrDefault(held.Handle.Value) + 1;
            }
        }

        foreach ((uint value, int refs) in heldRefs)
        {
            Assert.Equal((uint)refs, depot.CountOf(new StackHandle(value)));
            Assert.True(stored.ContainsValue(value), $"held record {value:x8} is not linked");
        }

        // Counters balance.
        DepotStats s = depot.GetStats();
        long refcountedLinked = stored.Values.Count(v => Depot.IsRefcountedHandle(new StackHandle(v)));
        Assert.Equal(heldRefs.Count, s.RefcountedInUse);
        Assert.Equal(refcountedLinked, s.RefcountedInUse);
        Assert.Equal(s.RefcountedAllocations - s.RefcountedFrees, s.RefcountedInUse);
        Assert.Equal(s.Saves, s.Hits + s.Inserts + s.Drops);
        Assert.Equal(state.PersistentHandles.Length + workers.Sum(w => w.Saves), s.Saves);
        Assert.Equal(workers.Sum(w => w.Drops), s.Drops);
        Assert.Equal(workers.Sum(w => w.Puts), s.Puts);
        Assert.Equal(state.PersistentHandles.Length + state.LateHandles.Count(h => h != 0), s.PersistentRecords);

        // No slot lost: every carved slot is either in use or on the free list.
        long carved = (s.BytesUsed - s.PersistentBytes) / (slotWords * sizeof(ulong));
        Assert.Equal(carved, s.RefcountedInUse + s.FreeListLength);
        Assert.True(s.BytesReserved <= state.Config.Capacity);
        if (finalPhase)
        {
            Assert.Empty(heldRefs);
        }

        return s;
    }

    internal sealed record StressConfig(int Threads, int Universe, int PersistentStacks, int LatePersistentStacks, int MaxHeld, long Capacity, int Table);

    internal readonly record struct Held(StackHandle Handle, int Stack);

    /// <summary>What the workers share: the depot, the stacks, the live-handle tracker, published handles.</summary>
    internal sealed class SharedState(StressConfig config, ulong[][] universe, ulong[][] persistent, StackHandle[] persistentHandles, ulong[][] late, Depot depot)
    {
        /// <summary>Lookups that walked at least one persistent record before announcing (hook events).</summary>
        public long RestartsAfterPrefix;

        /// <summary>How many of the late stacks the workers may save (one more each round).</summary>
        public volatile int LateAvailable;

        private readonly object _trackerLock = new();
        private readonly Dictionary<uint, (int Stack, int Refs)> _liveByValue = [];
        private readonly Dictionary<int, uint> _liveByStack = [];
        private readonly Dictionary<uint, uint> _liveBySlot = [];

        public StressConfig Config { get; } = config;

        public ulong[][] Universe { get; } = universe;

        public ulong[][] Persistent { get; } = persistent;

        public StackHandle[] PersistentHandles { get; } = persistentHandles;

        /// <summary>Persistent stacks first saved during the run (at the head of their chains).</summary>
        public ulong[][] Late { get; } = late;

        /// <summary>Handle values of the late stacks, 0 until the first save of each (set once, by whoever saves first).</summary>
        public uint[] LateHandles { get; } = new uint[late.Length];

        public Depot Depot { get; } = depot;

        public Barrier Barrier { get; } = new(config.Threads + 1);

        public ConcurrentQueue<string> Violations { get; } = new();

        /// <summary>Handles published for other threads to fetch: (handle value &lt;&lt; 32) | stack id; maybe stale.</summary>
        public long[] Published { get; } = new long[64];

        public volatile bool Final;

        public volatile bool Exit;

        /// <summary>Set when the test has finished reading the depot; workers end then.</summary>
        public ManualResetEventSlim Done { get; } = new();

        /// <summary>
        /// Registers a reference just taken (after the save returned). The tracker never counts more references than
        /// the depot holds (registered after taking, unregistered before putting), so a tracked live handle is
        /// really live: any other live handle for its stack or its slot is a real duplicate or a double hand-out.
        /// </summary>
        public void Acquired(StackHandle handle, int stack)
        {
            uint slot = Depot.SlotOf(handle);
            lock (_trackerLock)
            {
                if (_liveByStack.TryGetValue(stack, out uint live) && live != handle.Value)
                {
                    Violations.Enqueue($"two live records for stack {stack}: {live:x8} and {handle.Value:x8}");
                }

                if (_liveBySlot.TryGetValue(slot, out uint inSlot) && inSlot != handle.Value)
                {
                    Violations.Enqueue($"slot {slot} handed out twice: {inSlot:x8} still live, now {handle.Value:x8} for stack {stack}");
                }

                if (_liveByValue.TryGetValue(handle.Value, out var entry) && entry.Stack != stack)
                {
                    Violations.Enqueue($"handle {handle.Value:x8} names stack {entry.Stack} and stack {stack}");
                }

                _liveByValue[handle.Value] = (stack, entry.Refs + 1);
                _liveByStack[stack] = handle.Value;
                _liveBySlot[slot] = handle.Value;
            }
        }

        /// <summary>Unregisters a reference about to be put.</summary>
        public void Releasing(StackHandle handle, int stack)
        {
            lock (_trackerLock)
            {
                (int s, int refs) = _liveByValue[handle.Value];
                if (refs > 1)
                {
                    _liveByValue[handle.Value] = (s, refs - 1);
                    return;
                }

                _liveByValue.Remove(handle.Value);
                _liveByStack.Remove(stack);
                _liveBySlot.Remove(Depot.SlotOf(handle));
            }
        }
    }

    /// <summary>One stress thread: random operations in rounds, checking every answer.</summary>
    internal sealed class StressWorker(int id, int seed, SharedState state)
    {
        [ThreadStatic]
        private static Random? t_perturb;

        [ThreadStatic]
        private static int t_persistentVisited;

        private readonly Random _rng = new(seed);
        private readonly List<Held> _held = [];
        private readonly ulong[] _buffer = new ulong[64];

        public int Id { get; } = id;

        public long Ops { get; private set; }

        public long Saves { get; private set; }

        public long Drops { get; private set; }

        public long Puts { get; private set; }

        public long ForeignHits { get; private set; }

        public long ForeignStale { get; private set; }

        public IReadOnlyList<Held> HeldList => _held;

        /// <summary>Counts a lookup's announcement after it visited persistent records (the walk restarts then).</summary>
        public static void CountPrefix(DepotHookPoint point, uint value, SharedState state)
        {
            switch (point)
            {
                case DepotHookPoint.LookupStart:
                    t_persistentVisited = 0;
                    break;
                case DepotHookPoint.LookupVisitRecord when !Depot.IsRefcountedHandle(new StackHandle(value)):
                    t_persistentVisited++;
                    break;
                case DepotHookPoint.LookupBeforeAnnounce when t_persistentVisited > 0:
                    Interlocked.Increment(ref state.RestartsAfterPrefix); // pairs with the Volatile.Read at the end of the run
                    break;
            }
        }

        public static void Perturb()
        {
            Random rng = t_perturb ??= new Random(Environment.CurrentManagedThreadId * 7919);
            int roll = rng.Next(16);
            if (roll == 0)
            {
                Thread.Yield();
            }
            else if (roll == 1)
            {
                Thread.SpinWait(rng.Next(1, 200));
            }
        }

        public void Run()
        {
            try
            {
                while (!state.Exit)
                {
                    if (state.Final)
                    {
                        Guard(PutAll);
                        state.Barrier.SignalAndWait(RaceTimeouts.Park);

                        // Stay alive until the test has read the depot: a dead thread's epoch slot goes to the next
                        // new thread at a moment of the garbage collector's choosing.
                        state.Done.Wait(RaceTimeouts.Park);
                        return;
                    }

                    Guard(Round);
                    if (!state.Barrier.SignalAndWait(RaceTimeouts.Park) || !state.Barrier.SignalAndWait(RaceTimeouts.Park))
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or BarrierPostPhaseException or InvalidOperationException)
            {
                state.Violations.Enqueue($"worker {Id}: left the barrier: {e.Message}");
            }
        }

        private void Guard(Action action)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                state.Violations.Enqueue($"worker {Id}: {e.GetType().Name}: {e.Message}");
            }
        }

        private void Round()
        {
            for (int i = 0; i < 1500 && state.Violations.IsEmpty; i++)
            {
                Ops++;
                int roll = _rng.Next(100);
                if (roll < 45)
                {
                    SaveOne();
                }
                else if (roll < 75)
                {
                    PutOne();
                }
                else if (roll < 88)
                {
                    FetchForeign();
                }
                else if (roll < 95)
                {
                    CheckHeld();
                }
                else
                {
                    SavePersistent();
                }
            }
        }

        private void SaveOne()
        {
            if (_held.Count >= state.Config.MaxHeld)
            {
                PutOne();
            }

            int stack = _rng.Next(state.Universe.Length);
            StackHandle h = state.Depot.Save(state.Universe[stack], SaveFlags.Get);
            Saves++;
            if (h.IsNone)
            {
                Drops++;
                return;
            }

            if (!Depot.IsRefcountedHandle(h))
            {
                Fail($"save of refcounted stack {stack} returned persistent handle {h}");
                return;
            }

            state.Acquired(h, stack);
            _held.Add(new Held(h, stack));
            Verify(h, stack, "just saved");
            Interlocked.Exchange(ref state.Published[_rng.Next(state.Published.Length)], ((long)h.Value << 32) | (uint)stack);
        }

        private void PutOne()
        {
            if (_held.Count == 0)
            {
                return;
            }

            int index = _rng.Next(_held.Count);
            Held held = _held[index];
            _held[index] = _held[^1];
            _held.RemoveAt(_held.Count - 1);
            state.Releasing(held.Handle, held.Stack);
            state.Depot.Put(held.Handle);
            Puts++;
        }

        private void PutAll()
        {
            while (_held.Count > 0)
            {
                PutOne();
            }
        }

        private void FetchForeign()
        {
            long entry = Volatile.Read(ref state.Published[_rng.Next(state.Published.Length)]);
            if (entry == 0)
            {
                return;
            }

            var handle = new StackHandle((uint)(entry >> 32));
            int stack = (int)(uint)entry;
            Array.Fill(_buffer, 0xDEADUL);
            if (state.Depot.TryFetch(handle, _buffer, out int n))
            {
                ForeignHits++;
                if (!_buffer.AsSpan(0, n).SequenceEqual(state.Universe[stack]))
                {
                    Fail($"fetch of published handle {handle} (stack {stack}) returned other frames");
                }
            }
            else
            {
                ForeignStale++;
                if (n != 0 || _buffer.AsSpan().ContainsAnyExcept(0xDEADUL))
                {
                    Fail($"a refused fetch of {handle} reported {n} frames or wrote into the destination");
                }
            }
        }

        private void CheckHeld()
        {
            foreach (Held held in _held)
            {
                Verify(held.Handle, held.Stack, "held");
            }
        }

        private void SavePersistent()
        {
            int total = state.Persistent.Length + state.LateAvailable;
            if (total == 0)
            {
                return;
            }

            int p = _rng.Next(total);
            bool isLate = p >= state.Persistent.Length;

            // With Get only once the stack is stored persistently (a first save with Get would make it refcounted).
            bool get = _rng.Next(2) == 0 && (!isLate || Volatile.Read(ref state.LateHandles[p - state.Persistent.Length]) != 0); // acquire: pairs with the CompareExchange below
            ulong[] frames = isLate ? state.Late[p - state.Persistent.Length] : state.Persistent[p];
            StackHandle h = state.Depot.Save(frames, get ? SaveFlags.Get : SaveFlags.None);
            Saves++;
            if (isLate)
            {
                // The first save of a late stack names its handle; every later one must return the same.
                uint known = Interlocked.CompareExchange(ref state.LateHandles[p - state.Persistent.Length], h.Value, 0); // full fence: pairs with itself in the other workers
                if (h.IsNone || Depot.IsRefcountedHandle(h) || (known != 0 && known != h.Value))
                {
                    Fail($"late persistent stack {p} saved to {h}, expected {(known == 0 ? "a persistent handle" : new StackHandle(known).ToString())}");
                }
            }
            else if (h != state.PersistentHandles[p])
            {
                Fail($"persistent stack {p} saved to {h}, not {state.PersistentHandles[p]}");
            }

            if (get)
            {
                state.Depot.Put(h); // accepted, does nothing
                Puts++;
            }
        }

        private void Verify(StackHandle h, int stack, string what)
        {
            if (!state.Depot.TryFetch(h, _buffer, out int n) || !_buffer.AsSpan(0, n).SequenceEqual(state.Universe[stack]))
            {
                Fail($"{what} handle {h} of stack {stack} does not fetch its frames (fetched {n})");
            }
        }

        private void Fail(string message) => state.Violations.Enqueue($"worker {Id}: {message}");
    }
}
