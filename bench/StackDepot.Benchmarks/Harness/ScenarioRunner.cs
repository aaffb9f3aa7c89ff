using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using StackDepot.Benchmarks.Comparison;
using StackDepot.Benchmarks.Data;
using StackDepot.Benchmarks.Stores;

namespace StackDepot.Benchmarks.Harness;

/// <summary>
/// Every scenario (S1..S6) measured with a <see cref="Stopwatch"/> in this process, on the same data as the
/// BenchmarkDotNet classes. <c>--quick</c>: one repetition with shorter hot loops (under a minute), for a check
/// after a change. <c>--scenarios</c>: several repetitions, the median of each figure reported.
/// </summary>
public sealed class ScenarioRunner
{
    private const int ChurnWorkingSet = 100_000;
    private const int ChurnTurnover = ChurnWorkingSet / 10;
    private const int ChurnRounds = 20;

    private readonly bool _quick;
    private readonly int _repeats;
    private readonly TextWriter _log;
    private readonly Dictionary<(string Scenario, string Contender, string Metric), List<double>> _samples = [];
    private readonly List<(string Scenario, string Contender, string Metric)> _keys = [];

    private StackCorpus _cold = null!;
    private StackCorpus _hot = null!;
    private ulong[] _coldCopy = null!;
    private ulong[] _hotCopy = null!;
    private int[] _coldOrder = null!;
    private int[] _hotOrder = null!;
    private int[] _hotOrderOther = null!;

    public ScenarioRunner(bool quick, int repeats, TextWriter log)
    {
        _quick = quick;
        _repeats = repeats;
        _log = log;
    }

    public string Markdown { get; private set; } = "";

    public void Run()
    {
        var total = Stopwatch.StartNew();
        _log.WriteLine($"# StackDepot scenarios: {(_quick ? "quick (1 run)" : $"{_repeats} runs, medians")}; GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, concurrent={GCSettings.LatencyMode != GCLatencyMode.Batch}");
        var sw = Stopwatch.StartNew();
        _cold = StackCorpus.Generate(Sets.ColdStacks);
        _hot = StackCorpus.Generate(Sets.HotStacks);
        _coldCopy = _cold.CopyFrames();
        _hotCopy = _hot.CopyFrames();
        _coldOrder = Sets.Order(hot: false);
        int hotLookups = _quick ? 1 << 18 : 1 << 20;
        _hotOrder = Sets.Order(hot: true, hotLookups);
        _hotOrderOther = StackCorpus.Shuffled(Sets.HotStacks, hotLookups / Sets.HotStacks, seed: 0xC0FFEE);
        int[] p = _cold.DepthPercentiles();
        _log.WriteLine($"corpus: {_cold.Count:N0} stacks, mean depth {_cold.MeanDepth:F1}, depth p0/p10/p50/p90/p100 = {string.Join("/", p)}; hot set {_hot.Count:N0} (mean depth {_hot.MeanDepth:F1}); generated in {sw.Elapsed.TotalSeconds:F1} s");

        WarmUp();
        for (int rep = 0; rep < _repeats; rep++)
        {
            sw.Restart();
            HotHits();
            Threads();
            Churn();
            ColdPersistent();
            ColdRefcounted();
            _log.WriteLine($"run {rep + 1}/{_repeats}: {sw.Elapsed.TotalSeconds:F1} s");
        }

        Markdown = Report();
        _log.WriteLine();
        _log.WriteLine(Markdown);
        _log.WriteLine($"total: {total.Elapsed.TotalSeconds:F1} s");
    }

    // ---------------------------------------------------------------- warm-up (tiered JIT)

    private void WarmUp()
    {
        var sw = Stopwatch.StartNew();
        StackCorpus warm = StackCorpus.Generate(20_000, seed: 0xAAAA);
        int[] order = StackCorpus.Shuffled(warm.Count, 3);
        ulong[] copy = warm.CopyFrames();
        for (int round = 0; round < 3; round++)
        {
            using (Depot depot = DepotOps.Create("warm"))
            {
                var ops = new DepotOps(depot);
                Loops.Fill(ops, warm, 0, warm.Count, get: false);
                Loops.Save(ops, warm, order);
            }

            using (Depot depot = DepotOps.Create("warm"))
            {
                var ops = new DepotOps(depot);
                var handles = new uint[warm.Count];
                Loops.Fill(ops, warm, 0, warm.Count, get: true, handles);
                Loops.GetPut(ops, warm, order);
                foreach (uint h in handles)
                {
                    ops.Put(h);
                }
            }

            var c = new ConcurrentOps(new ConcurrentStore());
            Loops.Fill(c, warm, 0, warm.Count, false);
            Loops.Save(c, warm, order);
            var l = new LockedOps(new LockedStore());
            Loops.Fill(l, warm, 0, warm.Count, false);
            Loops.Save(l, warm, order);
            var r = new RwLockOps(new RwLockStore());
            Loops.Fill(r, warm, 0, warm.Count, false);
            Loops.Save(r, warm, order);
            var rc = new RefCountedConcurrentOps(new RefCountedConcurrentStore());
            var hc = new uint[warm.Count];
            Loops.Fill(rc, warm, 0, warm.Count, true, hc);
            Loops.GetPut(rc, warm, order);
            foreach (uint h in hc)
            {
                rc.Put(h);
            }

            var rl = new RefCountedLockedOps(new RefCountedLockedStore());
            Loops.Fill(rl, warm, 0, warm.Count, true, hc);
            Loops.GetPut(rl, warm, order);
            foreach (uint h in hc)
            {
                rl.Put(h);
            }

            Loops.Save(new FloorOps(warm, copy), warm, order);
            Loops.GetPut(new FloorOps(warm, copy), warm, order);
            Loops.Save(default(HashOnlyOps), warm, order);
            Thread.Sleep(150); // let the tier-1 compilations queued by the calls above finish
        }

        FullCollect();
        _log.WriteLine($"warm-up: {sw.Elapsed.TotalSeconds:F1} s");
    }

    // ---------------------------------------------------------------- S1 hot, S2 hot

    private void HotHits()
    {
        using (Depot depot = DepotOps.Create("s1"))
        {
            HotSave("Depot", new DepotOps(depot));
        }

        using (Depot depot = DepotOps.CreateSmallTable("s1small"))
        {
            HotSave("Depot, 2^12-bucket table", new DepotOps(depot));
        }

        HotSave("ConcurrentDictionary", new ConcurrentOps(new ConcurrentStore()));
        HotSave("Dictionary+lock", new LockedOps(new LockedStore()));
        HotSave("Dictionary+RWLockSlim", new RwLockOps(new RwLockStore()));
        HotSave("Floor", new FloorOps(_hot, _hotCopy));
        HotSave("HashOnly", default(HashOnlyOps));

        using (Depot depot = DepotOps.Create("s2"))
        {
            HotGetPut("Depot", new DepotOps(depot));
        }

        HotGetPut("ConcurrentDictionary", new RefCountedConcurrentOps(new RefCountedConcurrentStore()));
        HotGetPut("Dictionary+lock", new RefCountedLockedOps(new RefCountedLockedStore()));
        HotGetPut("Floor", new FloorOps(_hot, _hotCopy));
    }

    private void HotSave<T>(string name, T ops)
        where T : struct, IStoreOps
    {
        Loops.Fill(ops, _hot, 0, _hot.Count, get: false);
        Loops.Save(ops, _hot, _hotOrder); // warm the caches
        long t = Stopwatch.GetTimestamp();
        Loops.Save(ops, _hot, _hotOrder);
        Add("S1 hit, hot (1,024)", name, "ns/op", Ns(t) / _hotOrder.Length);
    }

    private void HotGetPut<T>(string name, T ops)
        where T : struct, IStoreOps
    {
        Loops.Fill(ops, _hot, 0, _hot.Count, get: true);
        Loops.GetPut(ops, _hot, _hotOrder);
        long t = Stopwatch.GetTimestamp();
        Loops.GetPut(ops, _hot, _hotOrder);
        Add("S2 Get+Put, hot (1,024)", name, "ns/op", Ns(t) / _hotOrder.Length);
    }

    // ---------------------------------------------------------------- S5 threads

    private void Threads()
    {
        using (Depot depot = DepotOps.Create("s5"))
        {
            var ops = new DepotOps(depot);
            Loops.Fill(ops, _hot, 0, _hot.Count, get: false);
            Scale("S5 threads, Save hit (hot)", "Depot", ops, getPut: false);
        }

        var c = new ConcurrentOps(new ConcurrentStore());
        Loops.Fill(c, _hot, 0, _hot.Count, false);
        Scale("S5 threads, Save hit (hot)", "ConcurrentDictionary", c, getPut: false);
        var l = new LockedOps(new LockedStore());
        Loops.Fill(l, _hot, 0, _hot.Count, false);
        Scale("S5 threads, Save hit (hot)", "Dictionary+lock", l, getPut: false);
        var r = new RwLockOps(new RwLockStore());
        Loops.Fill(r, _hot, 0, _hot.Count, false);
        Scale("S5 threads, Save hit (hot)", "Dictionary+RWLockSlim", r, getPut: false);
        Scale("S5 threads, Save hit (hot)", "Floor", new FloorOps(_hot, _hotCopy), getPut: false);

        using (Depot depot = DepotOps.Create("s5get"))
        {
            var ops = new DepotOps(depot);
            Loops.Fill(ops, _hot, 0, _hot.Count, get: true);
            Scale("S5 threads, Get+Put hit (hot)", "Depot", ops, getPut: true);
        }

        var rc = new RefCountedConcurrentOps(new RefCountedConcurrentStore());
        Loops.Fill(rc, _hot, 0, _hot.Count, true);
        Scale("S5 threads, Get+Put hit (hot)", "ConcurrentDictionary", rc, getPut: true);
        var rl = new RefCountedLockedOps(new RefCountedLockedStore());
        Loops.Fill(rl, _hot, 0, _hot.Count, true);
        Scale("S5 threads, Get+Put hit (hot)", "Dictionary+lock", rl, getPut: true);
    }

    private void Scale<T>(string scenario, string name, T ops, bool getPut)
        where T : struct, IStoreOps
    {
        (double one, double oneCpu) = Throughput(ops, 1, getPut);
        (double two, double twoCpu) = Throughput(ops, 2, getPut);
        Add(scenario, name, "1 thread Mops/s", one / 1e6);
        Add(scenario, name, "2 threads Mops/s", two / 1e6);
        Add(scenario, name, "scaling 2T/1T", two / one);
        if (!double.IsNaN(oneCpu) && !double.IsNaN(twoCpu))
        {
            // Per CPU-second of the worker threads: what 2 threads would give if each had a core to itself.
            // Contention (shared cache lines, lock hand-offs) still shows: it makes each operation cost more CPU.
            Add(scenario, name, "scaling 2T/1T per CPU-second x2", 2 * twoCpu / oneCpu);
        }
    }

    /// <summary>Operations per second with <paramref name="threads"/> threads, each running the whole hot order
    /// (thread 1 in a different shuffle), timed from a common start to the last thread's end; and operations
    /// per second of the workers' own CPU time (from /proc/thread-self/schedstat; NaN where unavailable).</summary>
    private (double Wall, double PerCpu) Throughput<T>(T ops, int threads, bool getPut)
        where T : struct, IStoreOps
    {
        int go = 0;
        int ready = 0;
        var cpuNs = new long[threads];
        var workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            int[] order = i == 0 ? _hotOrder : _hotOrderOther;
            int me = i;
            workers[i] = new Thread(() =>
            {
                // Warm this thread (its epoch slot, its caches), then wait for the common start.
                if (getPut)
                {
                    Loops.GetPut(ops, _hot, order[..8192]);
                }
                else
                {
                    Loops.Save(ops, _hot, order[..8192]);
                }

                Interlocked.Increment(ref ready);
                while (Volatile.Read(ref go) == 0)
                {
                    Thread.SpinWait(20);
                }

                long cpu = ThreadCpuNs();
                if (getPut)
                {
                    Loops.GetPut(ops, _hot, order);
                }
                else
                {
                    Loops.Save(ops, _hot, order);
                }

                cpuNs[me] = ThreadCpuNs() - cpu;
            }) { IsBackground = true };
            workers[i].Start();
        }

        while (Volatile.Read(ref ready) < threads)
        {
            Thread.Sleep(1);
        }

        long t = Stopwatch.GetTimestamp();
        Volatile.Write(ref go, 1);
        foreach (Thread w in workers)
        {
            w.Join();
        }

        double seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
        double total = (double)threads * _hotOrder.Length;
        long cpuTotal = cpuNs.Sum();
        return (total / seconds, cpuTotal > 0 ? total / (cpuTotal / 1e9) : double.NaN);
    }

    /// <summary>CPU time of the calling thread in ns (Linux schedstat), or -1 where unavailable.</summary>
    internal static long ThreadCpuNs()
    {
        try
        {
            string text = File.ReadAllText("/proc/thread-self/schedstat");
            return long.Parse(text.AsSpan(0, text.IndexOf(' ')), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return -1_000_000_000_000;
        }
    }

    // ---------------------------------------------------------------- S4 churn

    private void Churn()
    {
        using (Depot depot = DepotOps.Create("s4"))
        {
            ChurnOne("Depot", new DepotOps(depot), () =>
            {
                DepotStats s = depot.GetStats();
                return s.BytesReserved + s.TableBytes;
            }, depot);
        }

        long before = FullCollect();
        ChurnOne("ConcurrentDictionary", new RefCountedConcurrentOps(new RefCountedConcurrentStore()), () => FullCollect() - before, null);
        before = FullCollect();
        ChurnOne("Dictionary+lock", new RefCountedLockedOps(new RefCountedLockedStore()), () => FullCollect() - before, null);
    }

    /// <summary>
    /// A working set of 100,000 refcounted stacks. Each round drops (Put) the oldest 10% and saves (Get) as
    /// many new stacks, then takes and drops one more reference on every live stack (hits). Memory is read
    /// after round 1 and after the last round.
    /// </summary>
    private void ChurnOne<T>(string name, T ops, Func<long> bytes, Depot? depot)
        where T : struct, IStoreOps
    {
        const string Scenario = "S4 churn (100k working set, 10%/round, 20 rounds)";
        var live = new Queue<(int Index, uint Handle)>(ChurnWorkingSet);
        for (int i = 0; i < ChurnWorkingSet; i++)
        {
            live.Enqueue((i, ops.SaveGet(_cold[i])));
        }

        int next = ChurnWorkingSet;
        long afterFirst = 0;
        long afterLast = 0;
        long ticks = 0;
        long operations = 0;
        var hitOrder = new int[ChurnWorkingSet];
        for (int round = 1; round <= ChurnRounds; round++)
        {
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < ChurnTurnover; i++)
            {
                ops.Put(live.Dequeue().Handle);
            }

            for (int i = 0; i < ChurnTurnover; i++)
            {
                live.Enqueue((next, ops.SaveGet(_cold[next])));
                next++;
            }

            int k = 0;
            foreach ((int index, uint _) in live)
            {
                hitOrder[k++] = index;
            }

            Loops.GetPut(ops, _cold, hitOrder);
            ticks += Stopwatch.GetTimestamp() - t;
            operations += (2 * ChurnTurnover) + (2 * ChurnWorkingSet);
            if (round == 1)
            {
                afterFirst = bytes();
            }
            else if (round == ChurnRounds)
            {
                afterLast = bytes();
            }
        }

        Add(Scenario, name, "ns/op (Get or Put)", ticks * 1e9 / Stopwatch.Frequency / operations);
        Add(Scenario, name, "MB after round 1", afterFirst / 1e6);
        Add(Scenario, name, $"MB after round {ChurnRounds}", afterLast / 1e6);
        Add(Scenario, name, "growth round N / round 1", (double)afterLast / afterFirst);
        if (depot != null)
        {
            DepotStats s = depot.GetStats();
            Add(Scenario, name, "reused records", s.Reused);
            Add(Scenario, name, "waiting for grace period", s.WaitingForGracePeriod);
        }

        while (live.TryDequeue(out var held))
        {
            ops.Put(held.Handle);
        }
    }

    // ---------------------------------------------------------------- S3 insert, S1 cold, S2 cold, S6 GC

    private void ColdPersistent()
    {
        FullCollect();
        Add("S6 gen2 GC (1M stacks stored)", "no store (corpus only)", "ms", GcPauseMs());

        long before = FullCollect();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        Depot depot = DepotOps.Create("s3");
        ColdOne("Depot", new DepotOps(depot), before, allocated, depot, get: false);
        depot.Dispose();
        depot = null!;

        before = FullCollect();
        allocated = GC.GetTotalAllocatedBytes(precise: true);
        var concurrent = new ConcurrentStore();
        ColdOne("ConcurrentDictionary", new ConcurrentOps(concurrent), before, allocated, null, get: false);
        concurrent = null;

        before = FullCollect();
        allocated = GC.GetTotalAllocatedBytes(precise: true);
        var locked = new LockedStore();
        ColdOne("Dictionary+lock", new LockedOps(locked), before, allocated, null, get: false);
        locked = null;

        before = FullCollect();
        allocated = GC.GetTotalAllocatedBytes(precise: true);
        var rw = new RwLockStore();
        ColdOne("Dictionary+RWLockSlim", new RwLockOps(rw), before, allocated, null, get: false);
        rw = null;

        long t = Stopwatch.GetTimestamp();
        Loops.Save(new FloorOps(_cold, _coldCopy), _cold, _coldOrder);
        Add("S1 hit, cold (1,000,000)", "Floor", "ns/op", Ns(t) / _coldOrder.Length);
        t = Stopwatch.GetTimestamp();
        Loops.Save(default(HashOnlyOps), _cold, _coldOrder);
        Add("S1 hit, cold (1,000,000)", "HashOnly", "ns/op", Ns(t) / _coldOrder.Length);
        t = Stopwatch.GetTimestamp();
        Loops.GetPut(new FloorOps(_cold, _coldCopy), _cold, _coldOrder);
        Add("S2 Get+Put, cold (1,000,000)", "Floor", "ns/op", Ns(t) / _coldOrder.Length);
        FullCollect();
    }

    private void ColdRefcounted()
    {
        long before = FullCollect();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        Depot depot = DepotOps.Create("s3get");
        ColdOne("Depot", new DepotOps(depot), before, allocated, depot, get: true);
        depot.Dispose();
        depot = null!;

        before = FullCollect();
        allocated = GC.GetTotalAllocatedBytes(precise: true);
        var concurrent = new RefCountedConcurrentStore();
        ColdOne("ConcurrentDictionary", new RefCountedConcurrentOps(concurrent), before, allocated, null, get: true);
        concurrent = null;

        before = FullCollect();
        allocated = GC.GetTotalAllocatedBytes(precise: true);
        var locked = new RefCountedLockedStore();
        ColdOne("Dictionary+lock", new RefCountedLockedOps(locked), before, allocated, null, get: true);
        locked = null;
        FullCollect();
    }

    private void ColdOne<T>(string name, T ops, long heapBefore, long allocatedBefore, Depot? depot, bool get)
        where T : struct, IStoreOps
    {
        string kind = get ? "refcounted" : "persistent";
        string s3 = $"S3 insert 1,000,000, {kind}";
        int n = _cold.Count;

        long t = Stopwatch.GetTimestamp();
        Loops.Fill(ops, _cold, 0, n, get);
        Add(s3, name, "ns/stack", Ns(t) / n);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long retained = FullCollect() - heapBefore;
        Add(s3, name, "allocated B/stack", (double)allocated / n);
        Add(s3, name, "heap retained B/stack", (double)retained / n);
        if (depot != null)
        {
            DepotStats s = depot.GetStats();
            Add(s3, name, "pool reserved+table B/stack", (double)(s.BytesReserved + s.TableBytes) / n);
            Add(s3, name, "pool used B/stack", (double)s.BytesUsed / n);
            Add(s3, name, "table B/stack", (double)s.TableBytes / n);
            Add(s3, name, "B/stack - 8 x frames (used+table)", ((double)(s.BytesUsed + s.TableBytes) / n) - (8 * _cold.MeanDepth));
        }
        else
        {
            Add(s3, name, "B/stack - 8 x frames (retained)", ((double)retained / n) - (8 * _cold.MeanDepth));
        }

        t = Stopwatch.GetTimestamp();
        if (get)
        {
            Loops.GetPut(ops, _cold, _coldOrder);
            Add("S2 Get+Put, cold (1,000,000)", name, "ns/op", Ns(t) / _coldOrder.Length);
        }
        else
        {
            Loops.Save(ops, _cold, _coldOrder);
            Add("S1 hit, cold (1,000,000)", name, "ns/op", Ns(t) / _coldOrder.Length);
        }

        Add("S6 gen2 GC (1M stacks stored)", get ? name + " (refcounted)" : name, "ms", GcPauseMs());
        GC.KeepAlive(ops);
    }

    /// <summary>Median of three timed full, blocking, compacting gen2 collections after an untimed one (quick mode:
    /// one timed collection, right after the one that measured the retained bytes).</summary>
    private double GcPauseMs()
    {
        if (!_quick)
        {
            FullCollect();
        }

        var times = new double[_quick ? 1 : 3];
        for (int i = 0; i < times.Length; i++)
        {
            long t = Stopwatch.GetTimestamp();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[times.Length / 2];
    }

    private long FullCollect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        if (!_quick)
        {
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private static double Ns(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalNanoseconds;

    // ---------------------------------------------------------------- results

    private void Add(string scenario, string contender, string metric, double value)
    {
        var key = (scenario, contender, metric);
        if (!_samples.TryGetValue(key, out List<double>? list))
        {
            _samples[key] = list = [];
            _keys.Add(key);
        }

        list.Add(value);
    }

    private double? Get(string scenarioPrefix, string contender, string metric)
    {
        foreach (var key in _keys)
        {
            if (key.Scenario.StartsWith(scenarioPrefix, StringComparison.Ordinal) && key.Contender == contender && key.Metric == metric)
            {
                return Median(_samples[key]);
            }
        }

        return null;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private string Report()
    {
        var sb = new StringBuilder();
        string runs = _repeats == 1 ? "1 run" : $"median of {_repeats} runs";
        sb.AppendLine($"| Scenario | Contender | Metric | Value ({runs}) |");
        sb.AppendLine("|---|---|---|---:|");
        // Grouped by scenario (S1 hot, S1 cold, S2 hot, ...), each in the order its figures were taken.
        string[] order = ["S1 hit, hot", "S1 hit, cold", "S2 Get+Put, hot", "S2 Get+Put, cold", "S3 insert 1,000,000, persistent", "S3 insert 1,000,000, refcounted", "S4", "S5 threads, Save", "S5 threads, Get+Put", "S6"];
        int Rank(string scenario) => Array.FindIndex(order, prefix => scenario.StartsWith(prefix, StringComparison.Ordinal)) is int r and >= 0 ? r : order.Length;
        foreach (var key in _keys.Select((k, i) => (k, i)).OrderBy(x => Rank(x.k.Scenario)).ThenBy(x => x.i).Select(x => x.k))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {key.Scenario} | {key.Contender} | {key.Metric} | {Format(Median(_samples[key]))} |");
        }

        sb.AppendLine();
        sb.AppendLine("| Ratio | Value | Target | Met |");
        sb.AppendLine("|---|---:|---|---|");
        Ratio(sb, "S1 hot: Depot / Floor", Get("S1 hit, hot", "Depot", "ns/op"), Get("S1 hit, hot", "Floor", "ns/op"), "<= 1.3", v => v <= 1.3);
        Ratio(sb, "S1 hot: ConcurrentDictionary / Depot", Get("S1 hit, hot", "ConcurrentDictionary", "ns/op"), Get("S1 hit, hot", "Depot", "ns/op"), ">= 2", v => v >= 2);
        Ratio(sb, "S1 hot: Depot with 2^12-bucket table / Floor", Get("S1 hit, hot", "Depot, 2^12-bucket table", "ns/op"), Get("S1 hit, hot", "Floor", "ns/op"), "<= 1.3", v => v <= 1.3);
        Ratio(sb, "S1 hot: ConcurrentDictionary / Depot with 2^12-bucket table", Get("S1 hit, hot", "ConcurrentDictionary", "ns/op"), Get("S1 hit, hot", "Depot, 2^12-bucket table", "ns/op"), ">= 2", v => v >= 2);
        Ratio(sb, "S1 hot: ConcurrentDictionary / Floor (best any store could do)", Get("S1 hit, hot", "ConcurrentDictionary", "ns/op"), Get("S1 hit, hot", "Floor", "ns/op"));
        Ratio(sb, "S1 hot: Dictionary+lock / Depot", Get("S1 hit, hot", "Dictionary+lock", "ns/op"), Get("S1 hit, hot", "Depot", "ns/op"));
        Ratio(sb, "S1 hot: Dictionary+RWLockSlim / Depot", Get("S1 hit, hot", "Dictionary+RWLockSlim", "ns/op"), Get("S1 hit, hot", "Depot", "ns/op"));
        Ratio(sb, "S1 hot: Depot / HashOnly", Get("S1 hit, hot", "Depot", "ns/op"), Get("S1 hit, hot", "HashOnly", "ns/op"));
        Ratio(sb, "S1 cold: Depot / Floor", Get("S1 hit, cold", "Depot", "ns/op"), Get("S1 hit, cold", "Floor", "ns/op"));
        Ratio(sb, "S1 cold: ConcurrentDictionary / Depot", Get("S1 hit, cold", "ConcurrentDictionary", "ns/op"), Get("S1 hit, cold", "Depot", "ns/op"));
        Ratio(sb, "S1 cold: Dictionary+lock / Depot", Get("S1 hit, cold", "Dictionary+lock", "ns/op"), Get("S1 hit, cold", "Depot", "ns/op"));
        Ratio(sb, "S1 cold: Dictionary+RWLockSlim / Depot", Get("S1 hit, cold", "Dictionary+RWLockSlim", "ns/op"), Get("S1 hit, cold", "Depot", "ns/op"));
        Ratio(sb, "S2 hot: Depot / Floor", Get("S2 Get+Put, hot", "Depot", "ns/op"), Get("S2 Get+Put, hot", "Floor", "ns/op"));
        Ratio(sb, "S2 hot: ConcurrentDictionary / Depot", Get("S2 Get+Put, hot", "ConcurrentDictionary", "ns/op"), Get("S2 Get+Put, hot", "Depot", "ns/op"));
        Ratio(sb, "S2 hot: Dictionary+lock / Depot", Get("S2 Get+Put, hot", "Dictionary+lock", "ns/op"), Get("S2 Get+Put, hot", "Depot", "ns/op"));
        Ratio(sb, "S2 cold: ConcurrentDictionary / Depot", Get("S2 Get+Put, cold", "ConcurrentDictionary", "ns/op"), Get("S2 Get+Put, cold", "Depot", "ns/op"));
        Ratio(sb, "S2 cold: Dictionary+lock / Depot", Get("S2 Get+Put, cold", "Dictionary+lock", "ns/op"), Get("S2 Get+Put, cold", "Depot", "ns/op"));
        Ratio(sb, "S3 persistent: ConcurrentDictionary / Depot (time)", Get("S3 insert 1,000,000, persistent", "ConcurrentDictionary", "ns/stack"), Get("S3 insert 1,000,000, persistent", "Depot", "ns/stack"), ">= 2", v => v >= 2);
        Ratio(sb, "S3 persistent: Dictionary+lock / Depot (time)", Get("S3 insert 1,000,000, persistent", "Dictionary+lock", "ns/stack"), Get("S3 insert 1,000,000, persistent", "Depot", "ns/stack"));
        Ratio(sb, "S3 refcounted: ConcurrentDictionary / Depot (time)", Get("S3 insert 1,000,000, refcounted", "ConcurrentDictionary", "ns/stack"), Get("S3 insert 1,000,000, refcounted", "Depot", "ns/stack"));
        Ratio(sb, "S3 persistent: ConcurrentDictionary / Depot (bytes: retained vs reserved+table)", Get("S3 insert 1,000,000, persistent", "ConcurrentDictionary", "heap retained B/stack"), Get("S3 insert 1,000,000, persistent", "Depot", "pool reserved+table B/stack"));
        double? fixedBytes = Get("S3 insert 1,000,000, persistent", "Depot", "B/stack - 8 x frames (used+table)");
        double? tableBytes = Get("S3 insert 1,000,000, persistent", "Depot", "table B/stack");
        if (fixedBytes is double f && tableBytes is double tb)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| S3 persistent record: bytes beyond 8/frame, record only | {Format(f - tb)} | <= 32 | {(f - tb <= 32 ? "yes" : "NO")} |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| S3 persistent record: bytes beyond 8/frame, with its table share | {Format(f)} | <= 32 | {(f <= 32 ? "yes" : "NO")} |");
        }

        foreach (string name in new[] { "Depot", "ConcurrentDictionary", "Dictionary+lock" })
        {
            double? g = Get("S4 churn", name, "growth round N / round 1");
            if (g is double growth)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| S4 memory, round {ChurnRounds} / round 1: {name} | {Format(growth)} | flat (1.00) | {(name != "Depot" ? "-" : growth <= 1.01 ? "yes" : "NO")} |");
            }
        }

        Ratio(sb, "S4 time: ConcurrentDictionary / Depot", Get("S4 churn", "ConcurrentDictionary", "ns/op (Get or Put)"), Get("S4 churn", "Depot", "ns/op (Get or Put)"));
        foreach (string name in new[] { "Depot", "ConcurrentDictionary", "Dictionary+lock", "Dictionary+RWLockSlim", "Floor" })
        {
            double? s = Get("S5 threads, Save", name, "scaling 2T/1T");
            if (s is double scaling)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| S5 Save hit scaling 2T/1T (wall clock): {name} | {Format(scaling)} | {(name == "Depot" ? ">= 1.8" : "-")} | {(name != "Depot" ? "-" : scaling >= 1.8 ? "yes" : "NO")} |");
            }

            double? c = Get("S5 threads, Save", name, "scaling 2T/1T per CPU-second x2");
            if (c is double cpuScaling)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| S5 Save hit scaling 2T/1T (per CPU-second x2): {name} | {Format(cpuScaling)} | {(name == "Depot" ? ">= 1.8" : "-")} | {(name != "Depot" ? "-" : cpuScaling >= 1.8 ? "yes" : "NO")} |");
            }
        }

        foreach (string name in new[] { "Depot", "ConcurrentDictionary", "Dictionary+lock" })
        {
            double? s = Get("S5 threads, Get+Put", name, "scaling 2T/1T");
            if (s is double scaling)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| S5 Get+Put hit scaling 2T/1T (wall clock): {name} | {Format(scaling)} | - | - |");
            }

            double? c = Get("S5 threads, Get+Put", name, "scaling 2T/1T per CPU-second x2");
            if (c is double cpuScaling)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| S5 Get+Put hit scaling 2T/1T (per CPU-second x2): {name} | {Format(cpuScaling)} | - | - |");
            }
        }

        Ratio(sb, "S5 2 threads, Save: Depot / ConcurrentDictionary (throughput)", Get("S5 threads, Save", "Depot", "2 threads Mops/s"), Get("S5 threads, Save", "ConcurrentDictionary", "2 threads Mops/s"));
        Ratio(sb, "S6 gen2: ConcurrentDictionary / Depot", Get("S6", "ConcurrentDictionary", "ms"), Get("S6", "Depot", "ms"), ">= 20", v => v >= 20);
        Ratio(sb, "S6 gen2: ConcurrentDictionary (refcounted) / Depot (refcounted)", Get("S6", "ConcurrentDictionary (refcounted)", "ms"), Get("S6", "Depot (refcounted)", "ms"));
        return sb.ToString();
    }

    private static void Ratio(StringBuilder sb, string label, double? numerator, double? denominator, string target = "-", Func<double, bool>? met = null)
    {
        if (numerator is double n && denominator is double d && d > 0)
        {
            double v = n / d;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {Format(v)} | {target} | {(met == null ? "-" : met(v) ? "yes" : "NO")} |");
        }
    }

    private static string Format(double v) =>
        Math.Abs(v) >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 10 ? v.ToString("F1", CultureInfo.InvariantCulture)
        : v.ToString("F2", CultureInfo.InvariantCulture);
}
