using System.Diagnostics;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Blocking;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Walks the managed threads of a runtime into frame ids, with the guards ClrMD needs. Unless runtime frames are
/// asked for, the async plumbing is left out and an async method's stub is folded into the state machine it starts;
/// a stack longer than <see cref="MaxFrames"/> keeps its innermost frames and ends with the
/// <see cref="ClrFrameTable.TruncatedName"/> frame (so a stack holds up to <see cref="MaxFrames"/> + 1 ids). Threads
/// blocked on a lock, and its owner, get a note as their innermost frame (<see cref="BlockedOnFrames"/>), and the thread
/// pool's state is read.
/// </summary>
internal sealed class StackWalker(ClrFrameTable frames, int maxFrames)
{
    /// <summary>Frames in a row that may fail to move the stack pointer before the walk is stopped. ClrMD documents
    /// that two frames can share a stack pointer in corner cases (explicit runtime frames); a loop repeats forever.</summary>
    internal const int MaxStalledFrames = 16;

    private readonly List<ulong> _buffer = new(64);

    public ClrFrameTable Frames { get; } = frames;

    public int MaxFrames { get; } = maxFrames;

    /// <summary>Walks all live threads of <paramref name="runtime"/>.</summary>
    /// <param name="runtime">The runtime to walk.</param>
    /// <param name="clock">Started when the sample started (before attaching).</param>
    /// <param name="budget">Time allowed for the whole sample.</param>
    /// <param name="cancellation">Stops the walk between frames.</param>
    /// <exception cref="SampleTimeoutException">The sample exceeded <paramref name="budget"/>.</exception>
    /// <param name="include">Which threads to walk (by OS thread id); all live threads when null.</param>
    /// <param name="beforeThread">Called before each thread is walked.</param>
    /// <param name="afterThread">Called after each thread was walked, with what was found (before <see cref="Annotate"/>).</param>
    /// <param name="annotate">Add the lock notes and read the thread pool (<see cref="Annotate"/>); a caller that adds
    /// threads it did not walk does it itself, over all of them.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled.</exception>
    public Snapshot Walk(
        ClrRuntime runtime,
        Stopwatch clock,
        TimeSpan budget,
        CancellationToken cancellation,
        Func<int, bool>? include = null,
        Action<int>? beforeThread = null,
        Action<ThreadStack>? afterThread = null,
        bool annotate = true)
    {
        var snapshot = new Snapshot();
        foreach (ClrThread thread in runtime.Threads)
        {
            Check(clock, budget, cancellation);
            int threadId = unchecked((int)thread.OSThreadId);
            if (!thread.IsAlive || threadId == 0 || (include is not null && !include(threadId)))
            {
                continue;
            }

            (bool Truncated, bool Stopped) walk;
            beforeThread?.Invoke(threadId);
            try
            {
                walk = WalkThread(thread, clock, budget, cancellation);
            }
            catch (Exception e) when (e is InvalidOperationException or ClrDiagnosticsException or IOException or ArgumentException or OverflowException or IndexOutOfRangeException)
            {
                snapshot.Unreadable.Add(new UnreadableThread(threadId, "the stack walk failed: " + e.Message));
                continue;
            }

            var stack = new ThreadStack(threadId, [.. _buffer])
            {
                Kind = KindOf(thread),
                RuntimeThread = thread.Address,
                Truncated = walk.Truncated,
                WalkStopped = walk.Stopped,
            };
            snapshot.Add(stack);
            afterThread?.Invoke(stack);
        }

        if (annotate)
        {
            Annotate(runtime, snapshot, clock, budget, cancellation);
        }

        return snapshot;
    }

    /// <summary>Gives the threads of <paramref name="snapshot"/> blocked on a lock, and its owner, their note as
    /// innermost frame, and reads the thread pool.</summary>
    public void Annotate(ClrRuntime runtime, Snapshot snapshot, Stopwatch clock, TimeSpan budget, CancellationToken cancellation)
    {
        snapshot.LockBlockedThreads = BlockedOnFrames.Apply(runtime, snapshot, Frames, MaxFrames, () => Check(clock, budget, cancellation));
        snapshot.ThreadPool = ThreadPoolState.Read(runtime);
    }

    /// <summary>What the runtime says a thread is for.</summary>
    internal static ThreadKind KindOf(ClrThread thread) =>
        thread.IsFinalizer ? ThreadKind.Finalizer
        : thread.IsGc ? ThreadKind.Gc
        : (thread.State & ClrThreadState.TS_TPWorkerThread) != 0 ? ThreadKind.ThreadPoolWorker
        : (thread.State & ClrThreadState.TS_CompletionPortThread) != 0 ? ThreadKind.ThreadPoolIo
        : ThreadKind.Other;

    /// <summary>Walks one thread into <see cref="_buffer"/>; says whether the stack was cut and whether the walk stopped.</summary>
    private (bool Truncated, bool Stopped) WalkThread(ClrThread thread, Stopwatch clock, TimeSpan budget, CancellationToken cancellation)
    {
        // A cap on enumerated frames, independent of the stall check, in case a corrupt stack keeps "moving".
        int enumerationCap = Math.Max(8192, MaxFrames * 4);
        _buffer.Clear();
        ulong highestSp = 0;
        int stalled = 0;
        int seen = 0;
        var stubs = new AsyncStubFolder();
        foreach (ClrStackFrame frame in thread.EnumerateStackTrace(includeContext: false, maxFrames: enumerationCap))
        {
            if ((++seen & 31) == 0)
            {
                Check(clock, budget, cancellation);
            }

            // Stacks grow down: walking outwards the stack pointer must increase.
            if (frame.StackPointer > highestSp)
            {
                highestSp = frame.StackPointer;
                stalled = 0;
            }
            else if (++stalled > MaxStalledFrames)
            {
                return (false, true);
            }

            // Only the first frame of a thread may be where it was stopped; every other one waits for a call.
            if (!Frames.TryIdentify(frame, isReturnAddress: seen > 1, out ulong id, out ClrMethodName? method))
            {
                continue;
            }

            if (!Frames.RuntimeFrames && method is not null && stubs.Folds(method))
            {
                continue; // an async method's stub, which runs the start of its state machine: one method was written, one frame shows it
            }

            if (_buffer.Count == MaxFrames)
            {
                // The frames left out become one marker frame, so that the cut stack shows no false root.
                _buffer.Add(Frames.TruncatedId);
                return (true, false);
            }

            _buffer.Add(id);
        }

        return (false, false);
    }

    internal static void Check(Stopwatch clock, TimeSpan budget, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        if (clock.Elapsed > budget)
        {
            throw new SampleTimeoutException(budget);
        }
    }
}
