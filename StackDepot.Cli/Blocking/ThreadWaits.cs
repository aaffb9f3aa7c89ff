using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Async;

namespace StackDepot.Cli.Blocking;

/// <summary>
/// What blocked threads wait for, from their stack roots: the task of a synchronous wait (sync-over-async:
/// <c>Task.Wait()</c>, <c>.Result</c>, <c>GetAwaiter().GetResult()</c>) and the owner of a lock being entered
/// (<c>Monitor</c> through the runtime's sync blocks and thin locks, or a <c>System.Threading.Lock</c>).
/// </summary>
internal sealed class ThreadWaits
{
    private static readonly HashSet<string> TaskWaitMethods = new(StringComparer.Ordinal)
    {
        "SpinThenBlockingWait", "InternalWaitCore", "InternalWait", "Wait", "GetResultCore", "WaitAll", "WaitAllCore", "WaitAny", "WaitAnyCore",
    };

    /// <summary>OS thread id to the task it blocks on and the wait event it registered on that task (0 while it still
    /// spins, before registering one).</summary>
    public Dictionary<int, (ulong Task, ulong Event)> TaskWaits { get; } = [];

    /// <summary>OS thread id to the lock it is blocked entering.</summary>
    public Dictionary<int, LockWait> LockWaits { get; } = [];

    /// <summary>Threads whose stack roots could not be read.</summary>
    public int Unreadable { get; private set; }

    /// <summary>Reads the stack roots of every live thread (or of <paramref name="threads"/> only).</summary>
    /// <param name="runtime">The runtime.</param>
    /// <param name="graph">Pending tasks (a candidate for a wait must be one of them).</param>
    /// <param name="waitEvents">Wait events (<c>Task+SetOnInvokeMres</c>) with the task each was added to.</param>
    /// <param name="check">Called between threads; throws to stop.</param>
    /// <param name="threads">The OS thread ids to read, or null for all.</param>
    public static ThreadWaits Find(ClrRuntime runtime, AsyncGraph graph, IReadOnlyDictionary<ulong, ulong> waitEvents, Action check,
        IReadOnlySet<int>? threads = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(waitEvents);
        ArgumentNullException.ThrowIfNull(check);
        var waits = new ThreadWaits();
        Dictionary<ulong, ulong> monitorOwners = HeldMonitors(runtime);
        Dictionary<ulong, int> osIdByAddress = [];
        Dictionary<int, int> osIdByManagedId = [];
        foreach (ClrThread thread in runtime.Threads)
        {
            osIdByAddress.TryAdd(thread.Address, unchecked((int)thread.OSThreadId));
            osIdByManagedId.TryAdd(thread.ManagedThreadId, unchecked((int)thread.OSThreadId));
        }

        foreach (ClrThread thread in runtime.Threads)
        {
            check();
            if (!thread.IsAlive)
            {
                continue;
            }

            int self = unchecked((int)thread.OSThreadId);
            if (threads is not null && !threads.Contains(self))
            {
                continue;
            }

            try
            {
                waits.Read(thread, self, graph, waitEvents, monitorOwners, osIdByAddress, osIdByManagedId);
            }
            catch (Exception e) when (e is not OperationCanceledException and not Sampling.SampleTimeoutException and not OutOfMemoryException)
            {
                // A thread whose stack cannot be unwound (a damaged dump) simply has no waits.
                waits.Unreadable++;
            }
        }

        return waits;
    }

    private void Read(ClrThread thread, int self, AsyncGraph graph, IReadOnlyDictionary<ulong, ulong> waitEvents,
        Dictionary<ulong, ulong> monitorOwners, Dictionary<ulong, int> osIdByAddress, Dictionary<int, int> osIdByManagedId)
    {
        ulong candidate = 0;
        foreach (ClrStackRoot root in thread.EnumerateStackRoots())
        {
            ClrObject obj = root.Object;
            if (obj.IsNull)
            {
                continue;
            }

            if (waitEvents.TryGetValue(obj.Address, out ulong task))
            {
                // The thread holds the event it registered on the task: the wait is certain.
                TaskWaits[self] = (task, obj.Address);
                candidate = 0;
                break;
            }

            ClrMethod? method = root.StackFrame?.Method;
            string? owner = method?.Type?.Name;
            if (owner == "System.Threading.Tasks.Task" && candidate == 0 && TaskWaitMethods.Contains(method!.Name ?? string.Empty) &&
                graph.Nodes.ContainsKey(obj.Address))
            {
                // Still spinning (no event registered yet): the pending task in the wait frame.
                candidate = obj.Address;
            }
            else if (owner == "System.Threading.Monitor" && IsEnter(method!.Name) && !LockWaits.ContainsKey(self))
            {
                int holder = monitorOwners.TryGetValue(obj.Address, out ulong holderAddress)
                    ? osIdByAddress.GetValueOrDefault(holderAddress)
                    : obj.GetThinLock()?.Thread is { } thin ? unchecked((int)thin.OSThreadId) : 0;
                if (holder != 0 && holder != self)
                {
                    LockWaits[self] = new LockWait("Monitor", obj.Type?.Name ?? "?", obj.Address, holder);
                }
            }
            else if (owner == "System.Threading.Lock" && obj.Type?.Name == "System.Threading.Lock" && !LockWaits.ContainsKey(self) &&
                     obj.Type.GetFieldByName("_owningThreadId") is { } owningField)
            {
                // The owner's id as the runtime's Lock.ThreadId took it: the OS thread id where the platform gives one
                // (.NET 9 and later on Linux), the managed thread id on runtimes that store that.
                int owning = unchecked((int)owningField.Read<uint>(obj.Address, interior: false));
                int holder = owning == 0 ? 0
                    : osIdByAddress.ContainsValue(owning) ? owning
                    : osIdByManagedId.GetValueOrDefault(owning);
                if (holder != 0 && holder != self)
                {
                    LockWaits[self] = new LockWait("Lock", "System.Threading.Lock", obj.Address, holder);
                }
            }
        }

        if (candidate != 0)
        {
            TaskWaits.TryAdd(self, (candidate, 0));
        }
    }

    /// <summary>Monitor.Enter, ReliableEnter, TryEnter and their slow paths (not Wait: a waiting thread released the lock).</summary>
    internal static bool IsEnter(string? name) =>
        name is not null && (name.StartsWith("Enter", StringComparison.Ordinal) || name.StartsWith("ReliableEnter", StringComparison.Ordinal) ||
                             name.StartsWith("TryEnter", StringComparison.Ordinal));

    /// <summary>Objects whose monitor is held (sync blocks), each with the holding thread's address.</summary>
    private static Dictionary<ulong, ulong> HeldMonitors(ClrRuntime runtime)
    {
        var held = new Dictionary<ulong, ulong>();
        foreach (SyncBlock block in runtime.Heap.EnumerateSyncBlocks())
        {
            if (block.IsMonitorHeld && block.HoldingThreadAddress != 0)
            {
                held.TryAdd(block.Object, block.HoldingThreadAddress);
            }
        }

        return held;
    }
}
