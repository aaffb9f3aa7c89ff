namespace StackDepot.Cli.Sampling;

/// <summary>What a sampling run took: snapshots, timeouts, cut and stopped walks, stop times, threads seen.</summary>
internal sealed class SampleRunStats
{
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

    /// <summary>The distinct thread ids seen.</summary>
    public HashSet<int> Threads { get; } = [];

    /// <summary>Counts a snapshot that was taken.</summary>
    public void Add(Snapshot snapshot)
    {
        Taken++;
        Truncated += snapshot.Truncated;
        StoppedWalks += snapshot.StoppedWalks;
        FrozenTotal += snapshot.Frozen;
        FrozenMax = snapshot.Frozen > FrozenMax ? snapshot.Frozen : FrozenMax;
        foreach (ThreadStack thread in snapshot.Threads)
        {
            Threads.Add(thread.ThreadId);
        }
    }
}
