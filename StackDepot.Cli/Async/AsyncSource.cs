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
/// <param name="typeLookupWorks">Whether ClrMD can look up types by name in an attachment (tests replace it to
/// force attaching again); by default, whether it finds <c>System.Threading.Tasks.Task</c>.</param>
/// <param name="beforeHeapWalk">Called with the GC heap's committed bytes once the target is attached and before its
/// heap is walked (while a live target is stopped: a warning then comes before the wait, not after it).</param>
internal sealed class AsyncSource(int? pid, string? dumpPath, StackWalker? walker, AsyncFrameTable frames, ILogger log,
    Func<ClrRuntime, bool>? typeLookupWorks = null, Action<ulong>? beforeHeapWalk = null)
{
    private readonly Func<ClrRuntime, bool> _typeLookupWorks = typeLookupWorks ?? (runtime => runtime.BaseClassLibrary.GetTypeByName("System.Threading.Tasks.Task") is not null);

    /// <summary>How many times the last <see cref="Capture"/> attached (1 for a dump).</summary>
    public int Attachments { get; private set; }

    /// <summary>The runtime version the snapshot saw; <c>?</c> before it.</summary>
    public string RuntimeVersion { get; private set; } = "?";

    /// <summary>
    /// How many times a live process is attached when ClrMD cannot look up its types by name: a process stopped while
    /// it loads types can leave ClrMD's type map of a module incomplete for the whole attachment (names of async
    /// methods would then lose their arguments). Released and attached again, it has moved on.
    /// </summary>
    internal const int MaxAttachments = 3;

    /// <summary>Takes the snapshot; a live target runs again when this returns or throws.</summary>
    /// <exception cref="SampleTimeoutException">The snapshot took longer than <paramref name="budget"/>.</exception>
    /// <exception cref="CliException">The target cannot be read (gone, not .NET, no permission, a mini dump...).</exception>
    public AsyncSnapshot Capture(TimeSpan budget, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        for (int attachment = 1; ; attachment++)
        {
            cancellation.ThrowIfCancellationRequested();
            Attachments = attachment;
            AsyncSnapshot? snapshot = CaptureOnce(clock, budget, cancellation, lastChance: pid is null || attachment == MaxAttachments);
            if (snapshot is not null)
            {
                return snapshot;
            }

            log.Debug("ClrMD could not look up types by name in process {Pid} (it was loading types); released it, attaching again", pid);
            cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50 * attachment));
        }
    }

    /// <summary>One attachment (or the dump); null when the type lookup failed and another attachment may do better.</summary>
    private AsyncSnapshot? CaptureOnce(Stopwatch clock, TimeSpan budget, CancellationToken cancellation, bool lastChance)
    {
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
            using (ClrRuntime runtime = ClrRuntimes.Create(clr, what, isDump: pid is null))
            {
                CheckHeap(runtime);
                if (!lastChance && !_typeLookupWorks(runtime))
                {
                    return null;
                }

                beforeHeapWalk?.Invoke(AsyncHeapWalker.HeapBytes(runtime));
                threads = walker?.Walk(runtime, clock, budget, cancellation);
                analysis = AsyncAnalysis.Read(runtime, frames, () => StackWalker.Check(clock, budget, cancellation));
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
