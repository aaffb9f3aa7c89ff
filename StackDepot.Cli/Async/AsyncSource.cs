using System.Diagnostics;
using Microsoft.Diagnostics.Runtime;
using Serilog;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Async;

/// <summary>
/// Takes the async view's one snapshot of a live process (attach with suspend, walk the threads and the heap, detach)
/// or of a heap dump. A dump without the GC heap (a mini dump) is refused with the way to take a heap dump.
/// </summary>
/// <param name="pid">The live process, or null for <paramref name="dumpPath"/>.</param>
/// <param name="dumpPath">The dump, or null for <paramref name="pid"/>.</param>
/// <param name="walker">Walks the thread stacks, or null when only logical stacks are wanted.</param>
/// <param name="frames">Names the async frames.</param>
/// <param name="log">Where the stop time is logged (debug).</param>
internal sealed class AsyncSource(int? pid, string? dumpPath, StackWalker? walker, AsyncFrameTable frames, ILogger log)
{
    /// <summary>The runtime version the snapshot saw; <c>?</c> before it.</summary>
    public string RuntimeVersion { get; private set; } = "?";

    /// <summary>Takes the snapshot; a live target runs again when this returns or throws.</summary>
    /// <exception cref="SampleTimeoutException">The snapshot took longer than <paramref name="budget"/>.</exception>
    /// <exception cref="CliException">The target cannot be read (gone, not .NET, no permission, a mini dump...).</exception>
    public AsyncSnapshot Capture(TimeSpan budget, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var frozen = Stopwatch.StartNew();
        DataTarget? target = null;
        try
        {
            ClrInfo clr;
            string what;
            if (pid is { } live)
            {
                target = LiveSource.Attach(live);
                what = $"process {live}";
                clr = ClrRuntimes.Find(target) ?? throw new CliException(ExitCode.NotDotNet, $"process {live} does not run a .NET (Core) runtime stackdepot can inspect");
            }
            else
            {
                (target, clr) = DumpSource.Open(dumpPath!);
                what = dumpPath!;
            }

            RuntimeVersion = ClrRuntimes.VersionOf(clr);
            Snapshot? threads;
            AsyncAnalysis analysis;
            using (ClrRuntime runtime = ClrRuntimes.Create(clr, what))
            {
                CheckHeap(runtime);
                threads = walker?.Walk(runtime, frozen, budget, cancellation);
                analysis = AsyncAnalysis.Read(runtime, frames, () => StackWalker.Check(frozen, budget, cancellation));
            }

            target.Dispose(); // detaches: the target runs again
            target = null;
            return new AsyncSnapshot(analysis, threads, pid is null ? TimeSpan.Zero : frozen.Elapsed);
        }
        finally
        {
            target?.Dispose();
            if (pid is not null)
            {
                log.Debug("Process {Pid} was stopped for {Ms:0.0} ms", pid, frozen.Elapsed.TotalMilliseconds);
            }
        }
    }

    private void CheckHeap(ClrRuntime runtime)
    {
        if (AsyncHeapWalker.HasReadableHeap(runtime))
        {
            return;
        }

        if (dumpPath is not null)
        {
            throw new CliException(ExitCode.BadDump,
                $"{dumpPath} holds no GC heap (a mini dump); async stacks need a heap dump: stackdepot dump --pid N --type heap -o FILE, then stacks --dump FILE --async");
        }

        throw new CliException(ExitCode.Failure,
            $"the GC heap of process {pid} cannot be walked now (a garbage collection is in progress); the target was released, try again");
    }
}
