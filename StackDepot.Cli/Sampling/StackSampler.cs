using System.Diagnostics;
using System.Globalization;
using Serilog;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// The sampling loop: takes snapshots from an <see cref="IStackSource"/> at an interval and adds every thread's
/// stack to a <see cref="StackReportBuilder"/> (which saves each distinct stack once in its depot and counts it by
/// handle). A snapshot over its budget is discarded; a process that exits after the first snapshot ends the run
/// with what was taken.
/// </summary>
internal static class StackSampler
{
    /// <summary>Runs the loop.</summary>
    /// <param name="source">The engine.</param>
    /// <param name="samples">Snapshots to take.</param>
    /// <param name="interval">From the start of one snapshot to the start of the next.</param>
    /// <param name="budget">Time allowed per snapshot.</param>
    /// <param name="builder">Counts the stacks; its value types' first is counted (one per thread per snapshot).</param>
    /// <param name="progress">Called after each snapshot with its number (from 1) and a status text.</param>
    /// <param name="log">Warnings about discarded snapshots and an exited process.</param>
    /// <param name="cancellation">Stops the run between and inside snapshots (the target is released first).</param>
    /// <returns>What the run took; <see cref="SampleRunStats.Taken"/> may be 0 when every snapshot timed out.</returns>
    public static async Task<SampleRunStats> RunAsync(
        IStackSource source,
        int samples,
        TimeSpan interval,
        TimeSpan budget,
        StackReportBuilder builder,
        Action<int, string> progress,
        ILogger log,
        CancellationToken cancellation)
    {
        var stats = new SampleRunStats();
        var clock = new Stopwatch();
        for (int i = 0; i < samples; i++)
        {
            clock.Restart();
            Snapshot snapshot;
            try
            {
                snapshot = source.Capture(budget, cancellation);
            }
            catch (SampleTimeoutException e)
            {
                stats.TimedOut++;
                log.Warning("Sample {Index} discarded: {Message} (the target was released)", i + 1, e.Message);
                progress(i + 1, "timed out");
                await WaitAsync(interval - clock.Elapsed, i, samples, cancellation).ConfigureAwait(false);
                continue;
            }
            catch (CliException e) when (stats.Taken > 0 && e.Code == ExitCode.NoSuchProcess)
            {
                log.Warning("The target ({Target}) exited after {Taken} of {Samples} samples; reporting those", source.Target, stats.Taken, samples);
                break;
            }

            stats.Add(snapshot);
            foreach (ThreadStack thread in snapshot.Threads)
            {
                builder.Add(thread.Frames, thread.ThreadId);
            }

            progress(i + 1, string.Create(CultureInfo.InvariantCulture, $"{snapshot.Threads.Count} threads, {builder.DistinctStacks} distinct stacks") +
                (source.StopsTarget ? string.Create(CultureInfo.InvariantCulture, $", target stopped {snapshot.Frozen.TotalMilliseconds:0.0} ms") : string.Empty));
            await WaitAsync(interval - clock.Elapsed, i, samples, cancellation).ConfigureAwait(false);
        }

        return stats;
    }

    private static Task WaitAsync(TimeSpan wait, int index, int samples, CancellationToken cancellation) =>
        index + 1 < samples && wait > TimeSpan.Zero ? Task.Delay(wait, cancellation) : Task.CompletedTask;
}
