using System.Diagnostics;
using StackDepot.Benchmarks.Data;
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

        foreach (int depth in new[] { 8, 16, 24, 30, 31, 40, 48, 64 })
        {
            double best = double.MaxValue;
            for (int rep = 0; rep < 7; rep++)
            {
                const int N = 2_000_000;
                ulong acc = 0;
                long t = Stopwatch.GetTimestamp();
                for (int i = 0; i < N; i++)
                {
                    acc += FrameHasher.Hash(frames.AsSpan(0, depth), 12345);
                }

                best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalNanoseconds / N);
                GC.KeepAlive(acc);
            }

            double cmp = double.MaxValue;
            for (int rep = 0; rep < 7; rep++)
            {
                const int N = 2_000_000;
                int acc = 0;
                long t = Stopwatch.GetTimestamp();
                for (int i = 0; i < N; i++)
                {
                    acc += frames.AsSpan(0, depth).SequenceEqual(copy.AsSpan(0, depth)) ? 1 : 0;
                }

                cmp = Math.Min(cmp, Stopwatch.GetElapsedTime(t).TotalNanoseconds / N);
                GC.KeepAlive(acc);
            }

            Console.WriteLine($"depth {depth,2} ({depth * 8,3} bytes): XXH3 {best,6:F1} ns, compare {cmp,5:F1} ns");
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
                acc += FrameHasher.Hash(corpus[i], 12345);
            }

            h = Math.Min(h, Stopwatch.GetElapsedTime(t).TotalNanoseconds / order.Length);
            GC.KeepAlive(acc);
        }

        Console.WriteLine($"hot corpus (mean depth {corpus.MeanDepth:F1}): XXH3 {h:F1} ns/stack");
    }
}
