namespace StackDepot.Cli.Sampling;

/// <summary>Where a sampling run stands, after a snapshot.</summary>
/// <param name="Taken">Snapshots taken (and timed out) so far.</param>
/// <param name="Total">Snapshots planned, when the run has a count.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Duration">How long the run lasts, when it has a duration.</param>
/// <param name="Status">The last snapshot and the stop times so far, in words.</param>
/// <param name="Stats">The run's figures so far.</param>
internal sealed record SampleProgressInfo(int Taken, int? Total, TimeSpan Elapsed, TimeSpan? Duration, string Status, SampleRunStats Stats)
{
    /// <summary>The one snapshot of a command that takes one is done.</summary>
    public static SampleProgressInfo Once(string status) => new(1, 1, TimeSpan.Zero, null, status, new SampleRunStats());
}
