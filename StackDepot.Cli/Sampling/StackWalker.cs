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
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled.</exception>
    public Snapshot Walk(ClrRuntime runtime, Stopwatch clock, TimeSpan budget, CancellationToken cancellation)
    {
        var snapshot = new Snapshot();
        // A cap on enumerated frames, independent of the stall check, in case a corrupt stack keeps "moving".
        int enumerationCap = Math.Max(8192, MaxFrames * 4);
        foreach (ClrThread thread in runtime.Threads)
        {
            Check(clock, budget, cancellation);
            if (!thread.IsAlive)
            {
                continue;
            }

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
                    snapshot.StoppedWalks++;
                    break;
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
                    snapshot.Truncated++;
                    _buffer.Add(Frames.TruncatedId);
                    break;
                }

                _buffer.Add(id);
            }

            snapshot.Threads.Add(new ThreadStack(unchecked((int)thread.OSThreadId), [.. _buffer]));
        }

        snapshot.LockBlockedThreads = BlockedOnFrames.Apply(runtime, snapshot, Frames, MaxFrames, () => Check(clock, budget, cancellation));
        snapshot.ThreadPool = ThreadPoolState.Read(runtime);
        return snapshot;
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
