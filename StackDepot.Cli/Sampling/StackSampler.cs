using System.Diagnostics;
using System.Globalization;
using Serilog;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// The sampling loop: takes snapshots from an <see cref="IStackSource"/> on a fixed schedule and adds every thread's
/// stack to a <see cref="StackReportBuilder"/> (which saves each distinct stack once in its depot and counts it by
/// handle). A snapshot over its budget is discarded. The run ends when its count or duration is reached, when the
/// target exits (after at least one snapshot: what was taken is kept) or when it is interrupted (what was taken is
/// kept; the target is released first).
/// </summary>
internal static class StackSampler
{
    /// <summary>Runs the loop.</summary>
    /// <param name="source">The engine.</param>
    /// <param name="plan">How many snapshots, how often, for how long.</param>
    /// <param name="builder">Counts the stacks; its value types' first is counted (one per thread per snapshot).</param>
    /// <param name="shaper">Turns each thread's stack into the frames counted.</param>
    /// <param name="progress">Called after each snapshot.</param>
    /// <param name="log">Warnings: discarded snapshots, unreadable threads, an exited target.</param>
    /// <param name="cancellation">Ends the run between and inside snapshots (the target is released first).</param>
    /// <returns>What the run took; <see cref="SampleRunStats.Taken"/> may be 0 when every snapshot timed out or the
    /// run was interrupted before the first.</returns>
    public static async Task<SampleRunStats> RunAsync(
        IStackSource source,
        SamplingPlan plan,
        StackReportBuilder builder,
        StackShaper shaper,
        Action<SampleProgressInfo> progress,
        ILogger log,
        CancellationToken cancellation)
    {
        var stats = new SampleRunStats();
        source.Open();
        var run = Stopwatch.StartNew();
        TimeSpan next = TimeSpan.Zero;
        int attempts = 0;
        try
        {
            while (true)
            {
                attempts++;
                TimeSpan started = run.Elapsed;
                Snapshot snapshot;
                try
                {
                    snapshot = source.Capture(plan.Budget, cancellation);
                }
                catch (SampleTimeoutException e)
                {
                    stats.TimedOut++;
                    log.Warning("Sample {Index} discarded: {Message} (the target was released)", attempts, e.Message);
                    progress(Progress(stats, attempts, plan, run, "timed out"));
                    if (await WaitAsync(plan, run, next, attempts, cancellation).ConfigureAwait(false) is not { } slot)
                    {
                        break;
                    }

                    next = slot;
                    continue;
                }
                catch (Exception e) when (stats.Taken > 0 && e is not OperationCanceledException && (e is CliException { Code: ExitCode.NoSuchProcess } || source.TargetGone))
                {
                    stats.TargetExited = true;
                    log.Warning("{Target} exited after {Taken} of {Planned} samples; reporting those",
                        Capitalized(source.Target), stats.Taken, plan.MaxSamples is { } planned ? planned.ToString(CultureInfo.InvariantCulture) : "the planned");
                    break;
                }

                stats.Starts = (stats.Taken == 0 ? started : stats.Starts.First, started);
                foreach (UnreadableThread thread in stats.Add(snapshot))
                {
                    log.Warning("Thread {Thread} ({Name}) could not be read: {Reason}", thread.ThreadId, source.DescribeThread(thread.ThreadId).Label, thread.Reason);
                }

                foreach (ThreadStack thread in snapshot.Threads)
                {
                    builder.Add(shaper.Shape(thread, source.DescribeThread(thread.ThreadId)), thread.ThreadId);
                }

                string status = string.Create(CultureInfo.InvariantCulture, $"{snapshot.Threads.Count} threads, {builder.DistinctStacks} distinct stacks") +
                    (source.StopsTarget
                        ? string.Create(CultureInfo.InvariantCulture, $", target stopped {snapshot.Frozen.TotalMilliseconds:0.0} ms (median {stats.FrozenMedian.TotalMilliseconds:0.0}, worst {stats.FrozenMax.TotalMilliseconds:0.0})")
                        : string.Empty);
                stats.Elapsed = run.Elapsed;
                progress(Progress(stats, attempts, plan, run, status));
                if (await WaitAsync(plan, run, next, attempts, cancellation).ConfigureAwait(false) is not { } following)
                {
                    break;
                }

                next = following;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            stats.Interrupted = true;
        }

        stats.Elapsed = run.Elapsed;
        source.Finish();
        return stats;
    }

    private static SampleProgressInfo Progress(SampleRunStats stats, int attempts, SamplingPlan plan, Stopwatch run, string status) =>
        new(attempts, plan.MaxSamples, run.Elapsed, plan.Duration, status, stats);

    /// <summary>Waits for the next slot of the schedule (start + n x interval); a run that fell behind starts the next
    /// snapshot at once and keeps the schedule from there. Returns the next slot, or null when the run is over (its
    /// count is reached, or the next slot falls after its duration).</summary>
    private static async Task<TimeSpan?> WaitAsync(SamplingPlan plan, Stopwatch run, TimeSpan next, int attempts, CancellationToken cancellation)
    {
        next += plan.Interval;
        TimeSpan now = run.Elapsed;
        if (next < now)
        {
            next = now;
        }

        if ((plan.MaxSamples is { } max && attempts >= max) || (plan.Duration is { } duration && next >= duration))
        {
            return null;
        }

        if (next > now)
        {
            await Task.Delay(next - now, cancellation).ConfigureAwait(false);
        }

        return next;
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
