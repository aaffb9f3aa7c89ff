using StackDepot.Cli.Blocking;

namespace StackDepot.Cli.Sampling;

/// <summary>What a sampling run took: snapshots, timeouts, cut and stopped walks, stop times, threads seen and threads
/// that could not be read, how long it ran and how it ended.</summary>
internal sealed class SampleRunStats
{
    private readonly List<double> _stops = [];

    /// <summary>Snapshots taken and counted.</summary>
    public int Taken { get; private set; }

    /// <summary>Snapshots discarded because they exceeded their budget.</summary>
    public int TimedOut { get; set; }

    /// <summary>Stacks cut at the frame limit.</summary>
    public int Truncated { get; private set; }

    /// <summary>Walks stopped because the stack pointer stopped moving.</summary>
    public int StoppedWalks { get; private set; }

    /// <summary>Time the target was stopped, over all snapshots.</summary>
    public TimeSpan FrozenTotal { get; private set; }

    /// <summary>The longest stop of one snapshot.</summary>
    public TimeSpan FrozenMax { get; private set; }

    /// <summary>The median stop of one snapshot (zero before the first).</summary>
    public TimeSpan FrozenMedian
    {
        get
        {
            if (_stops.Count == 0)
            {
                return TimeSpan.Zero;
            }

            var sorted = _stops.Order().ToList();
            int middle = sorted.Count / 2;
            return TimeSpan.FromMilliseconds(sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2);
        }
    }

    /// <summary>From the start of the first snapshot to the end of the last.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>When the first and the last snapshot counted started, from the start of the run.</summary>
    public (TimeSpan First, TimeSpan Last) Starts { get; set; }

    /// <summary>Snapshots per second actually achieved, start to start (0 below two snapshots).</summary>
    public double AchievedRate => Taken > 1 && Starts.Last > Starts.First ? (Taken - 1) / (Starts.Last - Starts.First).TotalSeconds : 0;

    /// <summary>The part of the run the target was stopped (0 to 1).</summary>
    public double StoppedFraction => Elapsed > TimeSpan.Zero ? Math.Min(1, FrozenTotal / Elapsed) : 0;

    /// <summary>Threads blocked on a lock in the last snapshot.</summary>
    public int LockBlockedThreads { get; private set; }

    /// <summary>The thread pool in the last snapshot that could read it.</summary>
    public ThreadPoolState? ThreadPool { get; private set; }

    /// <summary>The distinct thread ids seen.</summary>
    public HashSet<int> Threads { get; } = [];

    /// <summary>Threads that could not be read: the first reason given and in how many snapshots.</summary>
    public Dictionary<int, (string Reason, int Snapshots)> Unreadable { get; } = [];

    /// <summary>True when the target exited during the run (the report holds the snapshots taken before).</summary>
    public bool TargetExited { get; set; }

    /// <summary>True when the run was interrupted (Ctrl-C, SIGTERM) before it was done.</summary>
    public bool Interrupted { get; set; }

    /// <summary>Counts a snapshot that was taken; returns the threads unreadable for the first time in it.</summary>
    public List<UnreadableThread> Add(Snapshot snapshot)
    {
        Taken++;
        Truncated += snapshot.Truncated;
        StoppedWalks += snapshot.StoppedWalks;
        FrozenTotal += snapshot.Frozen;
        FrozenMax = snapshot.Frozen > FrozenMax ? snapshot.Frozen : FrozenMax;
        _stops.Add(snapshot.Frozen.TotalMilliseconds);
        LockBlockedThreads = snapshot.LockBlockedThreads;
        ThreadPool = snapshot.ThreadPool ?? ThreadPool;
        foreach (ThreadStack thread in snapshot.Threads)
        {
            Threads.Add(thread.ThreadId);
        }

        var fresh = new List<UnreadableThread>();
        foreach (UnreadableThread thread in snapshot.Unreadable)
        {
            if (Unreadable.TryGetValue(thread.ThreadId, out (string Reason, int Snapshots) seen))
            {
                Unreadable[thread.ThreadId] = (seen.Reason, seen.Snapshots + 1);
            }
            else
            {
                Unreadable[thread.ThreadId] = (thread.Reason, 1);
                fresh.Add(thread);
            }
        }

        return fresh;
    }
}
