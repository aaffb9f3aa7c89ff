using System.Diagnostics;
using System.Globalization;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// Measures from inside the process how long it was stopped: a thread wakes every millisecond, reads the monotonic
/// clock and records every gap between two wake-ups longer than <see cref="LoggedGapMs"/>. A stop of the process
/// (ptrace) shows as one long gap; so does a scheduler that did not run the thread (a loaded machine), which is why the
/// gaps are also measured with nobody sampling.
/// </summary>
internal sealed class Heartbeat
{
    /// <summary>Gaps at least this long are kept one by one.</summary>
    public const double LoggedGapMs = 2.0;

    private readonly object _gate = new();
    private readonly List<double> _gaps = [];
    private long _maxGapTicks;
    private long _last = Stopwatch.GetTimestamp();
    private long _since = Stopwatch.GetTimestamp();
    private long _beats;

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
            _gaps.Clear();
            _beats = 0;
            return gap * 1000.0 / Stopwatch.Frequency;
        }
    }

    /// <summary>
    /// <c>beats N gaps G1 G2 ...</c>: the wake-ups since the last call and every gap of at least
    /// <see cref="LoggedGapMs"/> ms in between (in ms, in order); the next measurement starts now.
    /// </summary>
    public string TakeGaps()
    {
        lock (_gate)
        {
            string line = string.Create(CultureInfo.InvariantCulture, $"beats {_beats} gaps") +
                string.Concat(_gaps.Select(g => " " + g.ToString("0.000", CultureInfo.InvariantCulture)));
            _gaps.Clear();
            _beats = 0;
            _maxGapTicks = 0;
            _since = Stopwatch.GetTimestamp();
            return line;
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
                long gap = now - Math.Max(_last, _since);
                _maxGapTicks = Math.Max(_maxGapTicks, gap);
                double ms = gap * 1000.0 / Stopwatch.Frequency;
                if (ms >= LoggedGapMs && _gaps.Count < 100_000)
                {
                    _gaps.Add(ms);
                }

                _beats++;
                _last = now;
            }
        }
    }
}
