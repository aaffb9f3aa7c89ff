using System.Diagnostics;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// Measures from inside the process how long it was stopped: a thread wakes every millisecond and records the longest
/// gap between two wake-ups on the monotonic clock. A stop of the whole process (ptrace) shows as one long gap.
/// </summary>
internal sealed class Heartbeat
{
    private readonly object _gate = new();
    private long _maxGapTicks;

    private Heartbeat()
    {
    }

    /// <summary>Starts the heartbeat thread (a background thread, so it does not keep the process alive).</summary>
    public static Heartbeat Start()
    {
        var heartbeat = new Heartbeat();
        Program.Start(heartbeat.Run, "heartbeat");
        return heartbeat;
    }

    /// <summary>The longest gap since the last call, in milliseconds; resets it.</summary>
    public double TakeMaxGapMilliseconds()
    {
        lock (_gate)
        {
            double ms = _maxGapTicks * 1000.0 / Stopwatch.Frequency;
            _maxGapTicks = 0;
            return ms;
        }
    }

    private void Run()
    {
        long last = Stopwatch.GetTimestamp();
        while (true)
        {
            Thread.Sleep(1);
            long now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                _maxGapTicks = Math.Max(_maxGapTicks, now - last);
            }

            last = now;
        }
    }
}
