using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StackDepot.Benchmarks.Data;
using StackDepot.Benchmarks.Stores;
using StackDepot.Hashing;

namespace StackDepot.Benchmarks.Harness;

/// <summary><c>--probe</c>: cost of the pieces of a hit (hash by stack length, compare), to read a profile against.</summary>
public static class Probe
{
    public static void Run()
    {
        var frames = new ulong[64];
        var copy = new ulong[64];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = copy[i] = 0x7F00_0000_0000UL + ((ulong)i * 0x9E3779B9UL);
        }

        // The hashes by depth over 1,024 distinct stacks, each timed by a method of its own that is called until it
        // runs tier-1 code (a loop timed in place would run on-stack-replaced code), best of 15 passes.
        var hasher = new FrameHasher(12345);
        foreach (int depth in new[] { 8, 16, 24, 30, 31, 40, 48, 64 })
        {
            ulong[] stacks = DistinctStacks(depth);
            double word = BestOf(() => DepotHashPass(hasher, stacks, depth), 1024);
            double xxh3 = BestOf(() => Xxh3Pass(stacks, depth), 1024);
            double addBytes = BestOf(() => AddBytesPass(stacks, depth), 1024);
            double cmp = BestOf(() => ComparePass(stacks, depth), 1024);
            Console.WriteLine($"depth {depth,2} ({depth * 8,3} bytes): depot hash {word,5:F1} ns, XXH3 {xxh3,5:F1} ns, HashCode.AddBytes {addBytes,5:F1} ns, compare {cmp,5:F1} ns");
        }

        double x = double.MaxValue;
        long slot = 0;
        for (int rep = 0; rep < 7; rep++)
        {
            const int N = 10_000_000;
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < N; i++)
            {
                Interlocked.Exchange(ref slot, i);
                Volatile.Write(ref slot, 0);
            }

            x = Math.Min(x, Stopwatch.GetElapsedTime(t).TotalNanoseconds / N);
        }

        Console.WriteLine($"Interlocked.Exchange + Volatile.Write (epoch announce/exit): {x:F1} ns");

        StackCorpus corpus = StackCorpus.Generate(1024);
        int[] order = StackCorpus.Shuffled(1024, 256);
        double h = double.MaxValue;
        for (int rep = 0; rep < 7; rep++)
        {
            ulong acc = 0;
            long t = Stopwatch.GetTimestamp();
            foreach (int i in order)
            {
                acc += hasher.Hash(corpus[i]);
            }

            h = Math.Min(h, Stopwatch.GetElapsedTime(t).TotalNanoseconds / order.Length);
            GC.KeepAlive(acc);
        }

        Console.WriteLine($"hot corpus (mean depth {corpus.MeanDepth:F1}): depot hash {h:F1} ns/stack");

        // Hot hits per contender, best of 7 passes (min filters out the other tenants of a shared machine).
        ulong[] copyFrames = corpus.CopyFrames();
        using Depot depot = DepotOps.Create("probe");
        var d = new DepotOps(depot);
        Loops.Fill(d, corpus, 0, corpus.Count, false);
        var c = new ConcurrentOps(new ConcurrentStore());
        Loops.Fill(c, corpus, 0, corpus.Count, false);
        using Depot depotGet = DepotOps.Create("probe-get");
        var dg = new DepotOps(depotGet);
        Loops.Fill(dg, corpus, 0, corpus.Count, true);
        var rc = new RefCountedConcurrentOps(new RefCountedConcurrentStore());
        Loops.Fill(rc, corpus, 0, corpus.Count, true);
        for (int round = 0; round < 2; round++)
        {
            Console.WriteLine($"S1 hot: Depot {Best(() => Loops.Save(d, corpus, order), order.Length):F1}  ConcurrentDictionary {Best(() => Loops.Save(c, corpus, order), order.Length):F1}  Floor {Best(() => Loops.Save(new FloorOps(corpus, copyFrames), corpus, order), order.Length):F1}  HashOnly {Best(() => Loops.Save(default(HashOnlyOps), corpus, order), order.Length):F1} ns/op");
            Console.WriteLine($"S2 hot: Depot {Best(() => Loops.GetPut(dg, corpus, order), order.Length):F1}  ConcurrentDictionary {Best(() => Loops.GetPut(rc, corpus, order), order.Length):F1} ns/op");
        }
    }

    private static ulong[] DistinctStacks(int depth)
    {
        StackCorpus corpus = StackCorpus.Generate(1024);
        var frames = new ulong[1024 * depth];
        for (int i = 0; i < 1024; i++)
        {
            ReadOnlySpan<ulong> stack = corpus[i];
            for (int f = 0; f < depth; f++)
            {
                frames[(i * depth) + f] = stack[f % stack.Length] + (ulong)(f / stack.Length);
            }
        }

        return frames;
    }

    private static double BestOf(Func<ulong> pass, int perPass)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 300)
        {
            pass(); // long enough for the tier-1 compilation to be installed
        }

        double best = double.MaxValue;
        for (int rep = 0; rep < 15; rep++)
        {
            long t = Stopwatch.GetTimestamp();
            for (int k = 0; k < 50; k++)
            {
                pass();
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalNanoseconds / (50.0 * perPass));
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong DepotHashPass(FrameHasher hasher, ulong[] stacks, int depth)
    {
        ulong acc = 0;
        for (int i = 0; i < 1024; i++)
        {
            acc += hasher.Hash(stacks.AsSpan(i * depth, depth));
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Xxh3Pass(ulong[] stacks, int depth)
    {
        ulong acc = 0;
        for (int i = 0; i < 1024; i++)
        {
            acc += XxHash3.HashToUInt64(MemoryMarshal.AsBytes(stacks.AsSpan(i * depth, depth)), 12345);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong AddBytesPass(ulong[] stacks, int depth)
    {
        ulong acc = 0;
        for (int i = 0; i < 1024; i++)
        {
            var hash = default(HashCode);
            hash.AddBytes(MemoryMarshal.AsBytes(stacks.AsSpan(i * depth, depth)));
            acc += (ulong)hash.ToHashCode();
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong ComparePass(ulong[] stacks, int depth)
    {
        ulong acc = 0;
        for (int i = 0; i < 1024; i++)
        {
            acc += stacks.AsSpan(i * depth, depth).SequenceEqual(stacks.AsSpan(((i + 1) & 1023) * depth, depth)) ? 1UL : 0UL;
        }

        return acc;
    }

    /// <summary><c>--probe-loop CONTENDER hot|cold SECONDS</c>: one contender's S1 hit loop for a while, to
    /// attach a sampling profiler (e.g. <c>perf record</c> with <c>DOTNET_PerfMapEnabled=1</c>).</summary>
    public static void Loop(string contender, bool hot, double seconds)
    {
        StackCorpus corpus = Comparison.Sets.Corpus(hot);
        int[] order = Comparison.Sets.Order(hot);
        ulong[] copyFrames = corpus.CopyFrames();
        Func<uint> pass;
        switch (contender)
        {
            case "depot":
                var d = new DepotOps(DepotOps.Create("probe"));
                Loops.Fill(d, corpus, 0, corpus.Count, false);
                pass = () => Loops.Save(d, corpus, order);
                break;
            case "depot-smalltable":
                var ds = new DepotOps(new Depot(new DepotOptions
                {
                    CapacityBytes = Contenders.DepotCapacityBytes,
                    HashSeed = Contenders.HashSeed,
                    TableSize = 4096,
                }));
                Loops.Fill(ds, corpus, 0, corpus.Count, false);
                pass = () => Loops.Save(ds, corpus, order);
                break;
            case "depot-getput":
                var dg = new DepotOps(DepotOps.Create("probe"));
                Loops.Fill(dg, corpus, 0, corpus.Count, true);
                pass = () => Loops.GetPut(dg, corpus, order);
                break;
            case "cd":
                var c = new ConcurrentOps(new ConcurrentStore());
                Loops.Fill(c, corpus, 0, corpus.Count, false);
                pass = () => Loops.Save(c, corpus, order);
                break;
            default:
                pass = () => Loops.Save(new FloorOps(corpus, copyFrames), corpus, order);
                break;
        }

        Console.WriteLine($"pid {Environment.ProcessId}: {contender} {(hot ? "hot" : "cold")} loop for {seconds} s");
        var sw = Stopwatch.StartNew();
        long passes = 0;
        double best = double.MaxValue;
        var cpu = new List<double>();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            long c = ScenarioRunner.ThreadCpuNs();
            long t = Stopwatch.GetTimestamp();
            pass();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalNanoseconds / order.Length);
            cpu.Add((double)(ScenarioRunner.ThreadCpuNs() - c) / order.Length);
            passes++;
        }

        cpu.Sort();
        Console.WriteLine($"{passes} passes, best {best:F1} ns/op wall; CPU ns/op: best {cpu[0]:F1}, median {cpu[cpu.Count / 2]:F1}");
    }

    private static double Best(Func<uint> pass, int ops)
    {
        double best = double.MaxValue;
        for (int rep = 0; rep < 7; rep++)
        {
            long t = Stopwatch.GetTimestamp();
            pass();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalNanoseconds / ops);
        }

        return best;
    }
}
