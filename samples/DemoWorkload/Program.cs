using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace DemoWorkload;

/// <summary>
/// A small service with the thread shapes real services have, so that grouped stacks are worth reading:
/// order workers blocked on a queue, a metrics timer loop, a lock convoy on a cache, and a CPU-bound pricing thread.
/// Prints "READY pid" on stdout once every thread is in its steady state; stops when stdin closes.
/// </summary>
internal static class Program
{
    private const int ConvoyThreads = 4;

    /// <param name="args"><c>--workers N</c> sets the number of order workers (default 6); the benchmark uses many.</param>
    private static int Main(string[] args)
    {
        int workers = args.Length == 2 && args[0] == "--workers" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 6;
        var queue = new BlockingCollection<Order>();
        var cache = new InventoryCache();
        using var stop = new CancellationTokenSource();
        var threads = new List<Thread>();

        for (int i = 0; i < workers; i++)
        {
            threads.Add(Start($"order-worker-{i}", () => new OrderProcessor(queue).Run(stop.Token)));
        }

        threads.Add(Start("metrics", () => MetricsReporter.Run(stop.Token)));
        for (int i = 0; i < ConvoyThreads; i++)
        {
            threads.Add(Start($"cache-refresh-{i}", () => cache.RefreshLoop(stop.Token)));
        }

        threads.Add(Start("pricing", () => PricingEngine.Run(stop.Token)));

        // Ready once every thread is parked or running in its loop (not before: the first report would show start-up).
        while (threads.Any(t => t.Name != "pricing" && (t.ThreadState & ThreadState.WaitSleepJoin) == 0))
        {
            Thread.Sleep(5);
        }

        Console.WriteLine($"READY {Environment.ProcessId}");
        Console.Out.Flush();

        // Runs until stdin closes (the demo command closes it) or says "quit".
        while (Console.ReadLine() is { } line && line != "quit")
        {
            if (line == "order")
            {
                queue.Add(new Order(42));
            }
        }

        stop.Cancel();
        queue.CompleteAdding();
        foreach (Thread thread in threads)
        {
            thread.Join(2000);
        }

        return 0;
    }

    private static Thread Start(string name, ThreadStart body)
    {
        var thread = new Thread(body) { Name = name, IsBackground = true };
        thread.Start();
        return thread;
    }
}

internal sealed record Order(int Id);

/// <summary>Workers waiting for orders: the most common shape in a real dump, many threads on one stack.</summary>
internal sealed class OrderProcessor(BlockingCollection<Order> queue)
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Run(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Order order = WaitForOrder(stop);
                Process(order);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Order WaitForOrder(CancellationToken stop) => queue.Take(stop);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Process(Order order) => Thread.SpinWait(1000 + order.Id);
}

/// <summary>A timer loop: wakes up, publishes, sleeps.</summary>
internal static class MetricsReporter
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Publish();
            stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Publish() => GC.KeepAlive(new byte[128]);
}

/// <summary>A lock convoy: one refresher holds the lock while it sleeps, the others queue on Monitor.Enter.</summary>
internal sealed class InventoryCache
{
    private readonly object _gate = new();

    [MethodImpl(MethodImplOptions.NoInlining)]
    public void RefreshLoop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Refresh(stop);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Refresh(CancellationToken stop)
    {
        lock (_gate)
        {
            ReloadFromStore(stop);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReloadFromStore(CancellationToken stop) => stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50));
}

/// <summary>A CPU-bound thread: its stack differs from sample to sample.</summary>
internal static class PricingEngine
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run(CancellationToken stop)
    {
        long found = 0;
        while (!stop.IsCancellationRequested)
        {
            found += CountPrimes(20_000);
        }

        GC.KeepAlive(found);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CountPrimes(int limit)
    {
        int count = 0;
        for (int n = 2; n < limit; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsPrime(int n)
    {
        for (int d = 2; d * d <= n; d++)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}
