using System.Runtime.CompilerServices;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// Parks five threads in <see cref="FiveChain"/> and three in <see cref="ThreeChain"/> (or, with the argument
/// <c>async [scale [ballast]]</c>, starts the <see cref="AsyncScenario"/> instead), then prints <c>READY pid</c>.
/// Answers each <c>ping</c> line on stdin with <c>pong N</c> (so a test can tell the process is running, not frozen),
/// each <c>gap</c> line with <c>gap MS</c> (the longest stop its <see cref="Heartbeat"/> saw since the last question),
/// starts two more threads parked in <see cref="GrowChain"/> on each <c>grow</c> line (answering <c>grown N</c> once
/// they wait: a workload that changes between two captures), and exits when stdin closes or says <c>exit</c>. With the
/// argument <c>alloc</c> (and its options) it runs the <see cref="AllocationWorkload"/> instead.
/// </summary>
internal static class Program
{
    private static readonly object Gate = new();
    private static bool _release;

    private static int Main(string[] args)
    {
        if (args is ["alloc", ..])
        {
            return AllocationWorkload.Run(args[1..]);
        }

        var threads = new List<Thread>();
        AsyncScenario? scenario = null;
        if (args is ["async", ..])
        {
            // async [scale [ballast]]: see AsyncScenario.Start.
            scenario = AsyncScenario.Start(
                args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1,
                args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0);
            threads.AddRange(scenario.Threads);
        }
        else
        {
            for (int i = 0; i < 5; i++)
            {
                threads.Add(Start(FiveChain.Outer, $"five-{i}"));
            }

            for (int i = 0; i < 3; i++)
            {
                threads.Add(Start(ThreeChain.First, $"three-{i}"));
            }

            if (Environment.GetCommandLineArgs().Contains("names"))
            {
                NamingScenario.StartAndWait();
            }
        }

        Heartbeat heartbeat = Heartbeat.Start();

        // Ready when every thread is blocked in its wait (ThreadState is set inside the wait).
        while (threads.Any(t => (t.ThreadState & ThreadState.WaitSleepJoin) == 0))
        {
            Thread.Sleep(1);
        }

        Console.WriteLine($"READY {Environment.ProcessId}");
        Console.Out.Flush();

        int pongs = 0;
        int grown = 0;
        while (Console.ReadLine() is { } line && line != "exit")
        {
            if (line == "ping")
            {
                Console.WriteLine($"pong {++pongs}");
                Console.Out.Flush();
            }
            else if (line == "gap")
            {
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"gap {heartbeat.TakeMaxGapMilliseconds():0.0}"));
                Console.Out.Flush();
            }
            else if (line == "grow")
            {
                Thread[] more = [Start(GrowChain.Outer, $"grow-{grown++}"), Start(GrowChain.Outer, $"grow-{grown++}")];
                threads.AddRange(more);
                while (more.Any(t => (t.ThreadState & ThreadState.WaitSleepJoin) == 0))
                {
                    Thread.Sleep(1);
                }

                Console.WriteLine($"grown {grown}");
                Console.Out.Flush();
            }
        }

        scenario?.Release();

        lock (Gate)
        {
            _release = true;
            Monitor.PulseAll(Gate);
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return 0;
    }

    internal static Thread Start(ThreadStart body, string name)
    {
        var thread = new Thread(body) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    /// <summary>Blocks until the process is told to exit.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Park()
    {
        lock (Gate)
        {
            while (!_release)
            {
                Monitor.Wait(Gate);
            }
        }
    }
}

internal static class FiveChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Outer() => Middle();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Middle() => Inner();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Inner() => Program.Park();
}

internal static class ThreeChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void First() => Second();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Second() => Program.Park();
}

internal static class GrowChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Outer() => Inner();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Inner() => Program.Park();
}
