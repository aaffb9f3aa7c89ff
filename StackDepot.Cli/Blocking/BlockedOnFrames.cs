using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Async;
using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Blocking;

/// <summary>
/// "Blocked on" for thread stacks: a thread waiting to enter a lock gets, as its innermost frame,
/// <c>[blocked on Monitor of Type, held by thread N]</c>, and the owner gets <c>[holds Monitor of Type, K threads
/// wait]</c>, so a lock convoy and its cause read off the report. Only threads with a lock-entering frame on their
/// stack are examined (their stack roots hold the lock object); the runtime's sync blocks, the object's thin lock or
/// the <c>System.Threading.Lock</c>'s owner field name the owner.
/// </summary>
internal static class BlockedOnFrames
{
    private static readonly string[] EnterPrefixes =
    [
        "System.Threading.Monitor.Enter", "System.Threading.Monitor.ReliableEnter", "System.Threading.Monitor.TryEnter",
        "System.Threading.Lock.Enter", "System.Threading.Lock.TryEnter",
    ];

    /// <summary>Adds the frames to the threads of <paramref name="snapshot"/> (read while the target is attached).</summary>
    /// <returns>How many threads are blocked on a lock.</returns>
    public static int Apply(ClrRuntime runtime, Snapshot snapshot, ClrFrameTable frames, int maxFrames, Action check)
    {
        var candidates = new HashSet<int>();
        foreach (ThreadStack thread in snapshot.Threads)
        {
            if (thread.Frames.Any(id => frames.RuntimeName(id) is { } name && IsEnterFrame(name)))
            {
                candidates.Add(thread.ThreadId);
            }
        }

        if (candidates.Count == 0)
        {
            return 0;
        }

        ThreadWaits waits = ThreadWaits.Find(runtime, new AsyncGraph(), new Dictionary<ulong, ulong>(), check, candidates);
        var waiters = new Dictionary<(int Owner, string Kind, string Type), int>();
        foreach (LockWait wait in waits.LockWaits.Values)
        {
            waiters[(wait.OwnerThreadId, wait.LockKind, wait.ObjectType)] = waiters.GetValueOrDefault((wait.OwnerThreadId, wait.LockKind, wait.ObjectType)) + 1;
        }

        for (int i = 0; i < snapshot.Threads.Count; i++)
        {
            ThreadStack thread = snapshot.Threads[i];
            var notes = new List<ulong>(2);
            if (waits.LockWaits.TryGetValue(thread.ThreadId, out LockWait blocked))
            {
                notes.Add(frames.Synthetic(BlockedOn(blocked)));
            }

            foreach (((int owner, string kind, string type), int count) in waiters)
            {
                if (owner == thread.ThreadId)
                {
                    notes.Add(frames.Synthetic(Holds(kind, type, count)));
                }
            }

            if (notes.Count > 0)
            {
                snapshot.Threads[i] = thread with { Frames = [.. notes, .. thread.Frames.AsSpan(0, Math.Min(thread.Frames.Length, Math.Max(0, maxFrames - notes.Count)))] };
            }
        }

        return waits.LockWaits.Count;
    }

    /// <summary><c>[blocked on Monitor of System.Object, held by thread 4242]</c>.</summary>
    public static string BlockedOn(LockWait wait) =>
        string.Create(CultureInfo.InvariantCulture, $"[blocked on {wait.LockKind} of {wait.ObjectType}, held by thread {wait.OwnerThreadId}]");

    /// <summary><c>[holds Monitor of System.Object, 3 threads wait]</c>.</summary>
    public static string Holds(string kind, string type, int waiting) =>
        string.Create(CultureInfo.InvariantCulture, $"[holds {kind} of {type}, {waiting} thread{(waiting == 1 ? " waits" : "s wait")}]");

    private static bool IsEnterFrame(string name)
    {
        foreach (string prefix in EnterPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
