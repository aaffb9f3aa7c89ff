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
    private long _last = Stopwatch.GetTimestamp();
    private long _since = Stopwatch.GetTimestamp();

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

    /// <summary>
    /// The longest gap since the last call, in milliseconds, including the gap still open (the process may have been
    /// resumed a moment ago, before the heartbeat thread ran again); the next measurement starts now.
    /// </summary>
    public double TakeMaxGapMilliseconds()
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            long gap = Math.Max(_maxGapTicks, now - Math.Max(_last, _since));
            _maxGapTicks = 0;
            _since = now;
            return gap * 1000.0 / Stopwatch.Frequency;
        }
    }

    private void Run()
    {
        while (true)
        {
            Thread.Sleep(1);
            lock (_gate)
            {
                long now = Stopwatch.GetTimestamp();
                _maxGapTicks = Math.Max(_maxGapTicks, now - Math.Max(_last, _since));
                _last = now;
            }
        }
    }
}
