using System.Runtime.CompilerServices;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// Parks five threads in <see cref="FiveChain"/> and three in <see cref="ThreeChain"/> (and, with <c>--extra N</c>, N
/// more in <see cref="ExtraChain"/>), starts a <see cref="Heartbeat"/>, then prints <c>READY pid</c>. Answers each
/// <c>ping</c> line on stdin with <c>pong N</c> (so a test can tell the process is running, not frozen), <c>gap</c> with
/// <c>gap MS</c> (the longest stop its heartbeat saw since the last question), <c>gaps</c> with
/// <c>beats N gaps G1 G2 ...</c> (every gap of 2 ms or more), and exits when stdin closes or says <c>exit</c>.
/// </summary>
internal static class Program
{
    private static readonly object Gate = new();
    private static bool _release;

    private static int Main(string[] args)
    {
        int extra = args is ["--extra", var count] ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var threads = new List<Thread>();
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

        Heartbeat heartbeat = Heartbeat.Start();

        // Ready when every thread is blocked in its wait (ThreadState is set inside the wait).
        while (threads.Any(t => (t.ThreadState & ThreadState.WaitSleepJoin) == 0))
        {
            Thread.Sleep(1);
        }

        Console.WriteLine($"READY {Environment.ProcessId}");
        Console.Out.Flush();

        int pongs = 0;
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
            else if (line == "gaps")
            {
                Console.WriteLine(heartbeat.TakeGaps());
                Console.Out.Flush();
            }
        }

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

internal static class ExtraChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Wait() => Program.Park();
}
