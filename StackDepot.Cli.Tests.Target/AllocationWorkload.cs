using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// Ground truth for <c>stackdepot alloc</c> and <c>leaks</c> (run the target with the argument <c>alloc</c>). One thread
/// allocates in rounds, about 200 a second: <see cref="SiteA"/> 120,000 bytes (50% of the three sites' bytes, in
/// 12,000-byte <c>byte[]</c>s), <see cref="SiteB"/> 72,000 bytes (30%, 12,000-byte <c>long[]</c>s) and
/// <see cref="SiteC"/> 48,000 bytes (20%, 1,000 small 48-byte objects); every object escapes into a small ring, so it
/// is really allocated on the heap (the JIT stack-allocates objects that do not escape) and dies a few rounds later.
/// Every second round <see cref="LeakSite"/> allocates a 16,000-byte array and keeps it forever. Every half second the
/// loop forces a gen2 collection, in turn blocking and compacting, blocking without compaction, and background, so
/// that every kind of survival report is exercised. Before all that, <see cref="StartupSite"/> allocates 2.4 MB once
/// (seen only by a session that starts with the process). Prints <c>READY pid A B C</c> with the measured object sizes;
/// answers <c>ping</c> with <c>pong N</c> and exits when stdin closes or says <c>exit</c>. Options: <c>detached</c>
/// ignores stdin and runs until it is killed; <c>rounds=N</c> runs N rounds a second instead of 200 (4,200 is about
/// 1 GB/s; the leak stays at ~100 arrays a second); <c>rates</c> prints <c>RATE bytes</c> every second, the bytes the
/// process allocated in that second (for the throughput harness).
/// </summary>
internal static class AllocationWorkload
{
    public const int SiteAObjects = 10;
    public const int SiteBObjects = 6;
    public const int SiteCObjects = 1000;

    private static readonly object?[] RingA = new object?[16];
    private static readonly object?[] RingB = new object?[16];
    private static readonly object?[] RingC = new object?[1024];
    private static readonly List<byte[]> Kept = [];
    private static readonly byte[][] Startup = new byte[200][];
    private static volatile bool s_stop;
    private static int s_roundsPerSecond = 200;

    public static int Run(IReadOnlyList<string> options)
    {
        bool detached = options.Contains("detached");
        if (options.FirstOrDefault(o => o.StartsWith("rounds=", StringComparison.Ordinal)) is { } rounds)
        {
            s_roundsPerSecond = int.Parse(rounds["rounds=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        if (options.Contains("rates"))
        {
            new Thread(PrintRates) { IsBackground = true, Name = "rates" }.Start();
        }

        StartupSite();
        long sizeA = Measure(static () => SiteA(0));
        long sizeB = Measure(static () => SiteB(0));
        long sizeC = Measure(static () => SiteC(0));
        var thread = new Thread(Loop) { IsBackground = true, Name = "allocator" };
        thread.Start();
        Console.WriteLine($"READY {Environment.ProcessId} {sizeA} {sizeB} {sizeC}");
        Console.Out.Flush();
        if (detached)
        {
            Thread.Sleep(Timeout.Infinite);
        }

        int pongs = 0;
        while (Console.ReadLine() is { } line && line != "exit")
        {
            if (line == "ping")
            {
                Console.WriteLine($"pong {++pongs}");
                Console.Out.Flush();
            }
        }

        s_stop = true;
        thread.Join();
        return 0;
    }

    private static void PrintRates()
    {
        long last = GC.GetTotalAllocatedBytes();
        while (true)
        {
            Thread.Sleep(1000); // a report period, not synchronization
            long now = GC.GetTotalAllocatedBytes();
            Console.WriteLine($"RATE {now - last}");
            Console.Out.Flush();
            last = now;
        }
    }

    /// <summary>The bytes one call allocates, measured by the runtime.</summary>
    private static long Measure(Action site)
    {
        site(); // compiled before measuring
        long before = GC.GetAllocatedBytesForCurrentThread();
        site();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void Loop()
    {
        var pace = Stopwatch.StartNew();
        long round = 0;
        long lastCollection = 0;
        while (!s_stop)
        {
            for (int i = 0; i < SiteAObjects; i++)
            {
                SiteA(round * SiteAObjects + i);
            }

            for (int i = 0; i < SiteBObjects; i++)
            {
                SiteB(round * SiteBObjects + i);
            }

            for (int i = 0; i < SiteCObjects; i++)
            {
                SiteC(round * SiteCObjects + i);
            }

            if (round % Math.Max(2, s_roundsPerSecond / 100) == 0)
            {
                LeakSite();
            }

            round++;
            long now = pace.ElapsedMilliseconds;
            if (now - lastCollection >= 500)
            {
                lastCollection = now;
                long kind = now / 500 % 3;
                GC.Collect(2, GCCollectionMode.Forced, blocking: kind != 2, compacting: kind == 0);
            }

            // 200 rounds a second by default (~48 MB/s): sleep when ahead of the schedule.
            long ahead = round * 1000 / s_roundsPerSecond - pace.ElapsedMilliseconds;
            if (ahead > 0)
            {
                Thread.Sleep((int)ahead);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SiteA(long i) => RingA[i & 15] = new byte[11_976];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SiteB(long i) => RingB[i & 15] = new long[1_497];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SiteC(long i) => RingC[i & 1023] = new Small(i, i, i, i);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StartupSite()
    {
        for (int i = 0; i < Startup.Length; i++)
        {
            Startup[i] = new byte[11_976];
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeakSite() => Kept.Add(new byte[16_000]);

    /// <summary>48 bytes on 64-bit: object header, method table, four longs.</summary>
    private sealed record Small(long A, long B, long C, long D);
}
