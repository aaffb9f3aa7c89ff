using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// A sampling engine: takes snapshots of every thread's stack as frame ids (innermost first) and names those ids.
/// <see cref="StackSampler"/> drives any engine the same way; ClrMD's are <see cref="StackCopySource"/> (stop, copy the
/// stacks, resume, unwind the copy), <see cref="LiveSource"/> (attach, walk, detach) and <see cref="DumpSource"/> (a
/// dump's one snapshot); <see cref="EventPipeSource"/> reads the runtime's own sample profiler. Disposing a source releases whatever it holds of the target.
/// </summary>
internal interface IStackSource : IDisposable
{
    /// <summary>What is sampled, for messages: <c>process 4242</c>, <c>dump app.core</c>.</summary>
    string Target { get; }

    /// <summary>The engine, as the report header names it.</summary>
    string Engine { get; }

    /// <summary>True when the live target has exited (always false for a dump).</summary>
    bool TargetGone { get; }

    /// <summary>True when a snapshot stops a live process (how long is reported).</summary>
    bool StopsTarget { get; }

    /// <summary>The runtime version the last snapshot saw; <c>?</c> before the first.</summary>
    string RuntimeVersion { get; }

    /// <summary>Gets ready to take snapshots (loads what it needs while a live target runs); called once before the
    /// first snapshot, outside the run's clock. Throws what <see cref="Capture"/> would for a target it cannot sample.</summary>
    void Open();

    /// <summary>Ends the run: called once after the last snapshot, before the report is built (an engine that learns
    /// names as it goes gets the last of them here). The target is released when this returns.</summary>
    void Finish();

    /// <summary>Takes one snapshot. A live target is running again when this returns or throws.</summary>
    /// <param name="budget">Time allowed for the snapshot.</param>
    /// <param name="cancellation">Stops the snapshot early (the target is released first).</param>
    /// <returns>The stacks of every thread.</returns>
    /// <exception cref="SampleTimeoutException">The snapshot took longer than <paramref name="budget"/>; it is discarded.</exception>
    /// <exception cref="CliException">The target cannot be sampled (gone, not .NET, no permission, corrupt dump...).</exception>
    Snapshot Capture(TimeSpan budget, CancellationToken cancellation);

    /// <summary>The frame a frame id of a snapshot stands for.</summary>
    /// <param name="frameId">An id from a snapshot this source took.</param>
    /// <returns>The frame.</returns>
    ReportFrame GetFrame(ulong frameId);

    /// <summary>The name and kind of a thread a snapshot of this source saw.</summary>
    /// <param name="threadId">The OS thread id.</param>
    /// <returns>The thread's name and kind.</returns>
    ThreadInfo DescribeThread(int threadId);
}
