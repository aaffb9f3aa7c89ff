using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// Parks five threads in <see cref="FiveChain"/> and three in <see cref="ThreeChain"/> (and, with <c>--extra N</c>, N
/// more in <see cref="ExtraChain"/>; or, with the argument <c>async [scale [ballast]]</c>, starts the
/// <see cref="AsyncScenario"/> instead), starts a <see cref="Heartbeat"/>, then prints <c>READY pid</c>. Answers each
/// <c>ping</c> line on stdin with <c>pong N</c> (so a test can tell the process is running, not frozen); <c>grow</c>
/// starts two more threads parked in <see cref="GrowChain"/> (answering <c>grown N</c> once they wait: a workload that
/// changes between two captures); <c>gap</c> answers <c>gap MS</c> (the longest stop its heartbeat saw since the last
/// question), <c>gaps</c> <c>beats N gaps G1 G2 ...</c> (every gap of 2 ms or more); <c>move</c> answers <c>moved</c>
/// once the five threads have left <see cref="FiveChain"/> and parked again in <see cref="MovedChain"/>; <c>gc</c>
/// answers <c>collected</c> after two full collections; <c>signals</c> answers with the SIGWINCH and SIGCONT it handled
/// (<c>signals WINCH CONT</c>). It exits when stdin closes or says <c>exit</c>. With the argument <c>alloc</c> (and its
/// options) it runs the <see cref="AllocationWorkload"/> instead.
/// </summary>
internal static class Program
{
    private static readonly object Gate = new();
    private static readonly List<string> Signals = [];
    private static bool _release;
    private static bool _moving;
    private static int _moved;

    [ThreadStatic]
    private static bool t_held;

    private static int Main(string[] args)
    {
        if (args is ["alloc", ..])
        {
            return AllocationWorkload.Run(args[1..]);
        }

        int at = Array.IndexOf(args, "--extra");
        int extra = at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 0;
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

            for (int i = 0; i < extra; i++)
            {
                threads.Add(Start(ExtraChain.Wait, $"extra-{i}"));
            }

            if (args.Contains("names"))
            {
                NamingScenario.StartAndWait();
            }
        }

        Heartbeat heartbeat = Heartbeat.Start();
        using PosixSignalRegistration? winch = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Record("WINCH"));
        using PosixSignalRegistration? cont = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGCONT, _ => Record("CONT"));

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
            else if (line == "gap")
            {
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"gap {heartbeat.TakeMaxGapMilliseconds():0.0}"));
                Console.Out.Flush();
            }
            else if (line == "gaps")
            {
                Console.WriteLine(heartbeat.TakeGaps());
                Console.Out.Flush();
            }
            else if (line == "gc")
            {
                // Objects that survive two full collections move no more: the stacks that refer to them stay as they are.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                Console.WriteLine("collected");
                Console.Out.Flush();
            }
            else if (line == "move")
            {
                Move(threads.Take(5).ToList());
                Console.WriteLine("moved");
                Console.Out.Flush();
            }
            else if (line == "signals")
            {
                lock (Signals)
                {
                    Console.WriteLine(string.Join(' ', ["signals", .. Signals]));
                }

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

    /// <summary>Blocks until the process is told to exit (or, in a thread of <see cref="FiveChain"/>, to move).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Park()
    {
        lock (Gate)
        {
            while (!_release && !(_moving && !t_held && Thread.CurrentThread.Name?.StartsWith("five-", StringComparison.Ordinal) == true))
            {
                Monitor.Wait(Gate);
            }
        }
    }

    /// <summary>Parks the calling thread of <see cref="FiveChain"/> again, in <see cref="MovedChain"/>.</summary>
    internal static void Hold()
    {
        t_held = true;
        lock (Gate)
        {
            _moved++;
        }

        Park();
    }

    /// <summary>Sends the five threads from <see cref="FiveChain"/> to <see cref="MovedChain"/> and waits until all
    /// five are blocked there.</summary>
    private static void Move(List<Thread> five)
    {
        lock (Gate)
        {
            _moving = true;
            Monitor.PulseAll(Gate);
        }

        while (true)
        {
            lock (Gate)
            {
                if (_moved == five.Count && five.All(t => (t.ThreadState & ThreadState.WaitSleepJoin) != 0))
                {
                    return;
                }
            }

            Thread.Sleep(1);
        }
    }

    private static void Record(string signal)
    {
        lock (Signals)
        {
            Signals.Add(signal);
        }
    }
}

internal static class FiveChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Outer()
    {
        Middle();
        MovedChain.Hold(); // after "move" (or on the way out)
    }

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

internal static class ExtraChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Wait() => Program.Park();
}

internal static class MovedChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Hold() => Program.Hold();
}
