using System.Globalization;
using Microsoft.Diagnostics.Runtime;

namespace StackDepot.Cli.Blocking;

/// <summary>
/// The thread pool at the moment of a snapshot, so that starvation shows at a glance: worker threads (running,
/// idle), the limits, and the work items waiting in its queues (the global queues and every worker's local queue).
/// </summary>
internal sealed record ThreadPoolState
{
    /// <summary>How many queue segments are followed before counting stops (a damaged heap may link them in a circle).</summary>
    private const int MaxSegments = 100_000;

    public int Running { get; init; }

    public int Idle { get; init; }

    public int Retired { get; init; }

    public int Min { get; init; }

    public int Max { get; init; }

    /// <summary>Work items waiting in the pool's queues, or null when they could not be read.</summary>
    public long? Queued { get; init; }

    public int Total => Running + Idle + Retired;

    /// <summary>One line for a report header: <c>4 workers (3 running, 1 idle), min 2, max 32767, 120 queued work items</c>.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{Total} workers ({Running} running, {Idle} idle{(Retired > 0 ? $", {Retired} retired" : string.Empty)}), min {Min}, max {Max}, ") +
        (Queued is { } queued ? string.Create(CultureInfo.InvariantCulture, $"{queued} queued work item{(queued == 1 ? string.Empty : "s")}") : "queued work items unknown");

    /// <summary>Reads the pool; null when the runtime has no readable thread-pool data.</summary>
    /// <param name="runtime">The runtime.</param>
    /// <param name="objects">The pool's objects, when a heap walk met them: read directly, they do not depend on
    /// finding the pool's types by name (which ClrMD misses now and then in a process that has just loaded many
    /// types).</param>
    public static ThreadPoolState? Read(ClrRuntime runtime, ThreadPoolObjects? objects = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ClrThreadPool? pool;
        try
        {
            pool = runtime.ThreadPool;
        }
        catch (Exception e) when (e is InvalidOperationException or ClrDiagnosticsException or NotSupportedException or IOException)
        {
            pool = null;
        }

        long? queued = objects is { WorkQueue: not 0 } ? QueuedWorkItems(runtime.Heap, objects) : QueuedWorkItems(runtime);
        if (pool is { UsingWindowsThreadPool: false })
        {
            return new ThreadPoolState
            {
                Running = pool.ActiveWorkerThreads,
                Idle = pool.IdleWorkerThreads,
                Retired = pool.RetiredWorkerThreads,
                Min = pool.MinThreads,
                Max = pool.MaxThreads,
                Queued = queued,
            };
        }

        return objects is { Pool: not 0 } ? FromPoolObject(runtime.Heap.GetObject(objects.Pool), queued) : null;
    }

    /// <summary>
    /// The counts of a <c>PortableThreadPool</c> object: <c>_minThreads</c>, <c>_maxThreads</c>, and its
    /// <c>ThreadCounts</c> (<c>_separated.counts._data</c>: threads processing work in bits 0-15, existing threads in
    /// bits 16-31), as ClrMD reads them when it finds the type.
    /// </summary>
    private static ThreadPoolState? FromPoolObject(ClrObject pool, long? queued)
    {
        try
        {
            ulong counts = pool.ReadValueTypeField("_separated").ReadValueTypeField("counts").ReadField<ulong>("_data");
            int processing = (int)(counts & 0xffff);
            int existing = (int)((counts >> 16) & 0xffff);
            return new ThreadPoolState
            {
                Running = processing,
                Idle = Math.Max(0, existing - processing),
                Min = pool.ReadField<short>("_minThreads"),
                Max = pool.ReadField<short>("_maxThreads"),
                Queued = queued,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ClrDiagnosticsException or IOException)
        {
            return null;
        }
    }

    /// <summary>Counts the work items in the pool's objects met on the heap: the global queues of the work queue and
    /// every worker's local queue.</summary>
    private static long? QueuedWorkItems(ClrHeap heap, ThreadPoolObjects objects)
    {
        try
        {
            long count = GlobalQueues(heap.GetObject(objects.WorkQueue));
            foreach (ulong local in objects.LocalQueues)
            {
                count += LocalQueue(heap.GetObject(local));
            }

            return count;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ClrDiagnosticsException or IOException or OverflowException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Counts the items in <c>ThreadPool.s_workQueue</c>: its global queues (normal, high and low priority, and the
    /// assignable queues of large machines), each a <c>ConcurrentQueue&lt;object&gt;</c>, plus every worker's
    /// work-stealing queue (<c>WorkStealingQueueList.s_queues</c>).
    /// </summary>
    internal static long? QueuedWorkItems(ClrRuntime runtime)
    {
        try
        {
            ClrModule core = runtime.BaseClassLibrary;
            PoolStatics statics = Statics.GetValue(runtime, static _ => new PoolStatics());
            if (core.AppDomain is not { } domain ||
                statics.WorkQueue(core)?.ReadObject(domain) is not { IsNull: false } queue)
            {
                return null;
            }

            long count = GlobalQueues(queue);
            if (statics.LocalQueues(core)?.ReadObject(domain) is
                { IsNull: false, IsArray: true } locals)
            {
                ClrArray array = locals.AsArray();
                for (int i = 0; i < array.Length; i++)
                {
                    if (array.GetObjectValue(i) is { IsNull: false } local)
                    {
                        count += LocalQueue(local);
                    }
                }
            }

            return count;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ClrDiagnosticsException or IOException or OverflowException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The pool's static fields found per runtime: a sampling run reads the pool at every snapshot of one
    /// runtime, and a lookup by type name reads the name of every type of the core library from the target.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ClrRuntime, PoolStatics> Statics = [];

    /// <summary>Items in a <c>ThreadPoolWorkQueue</c>'s global queues: normal, high and low priority, and the
    /// assignable queues of large machines, each a <c>ConcurrentQueue&lt;object&gt;</c>.</summary>
    private static long GlobalQueues(ClrObject queue)
    {
        long count = 0;
        foreach (string name in new[] { "workItems", "highPriorityWorkItems", "lowPriorityWorkItems" })
        {
            if (queue.TryReadObjectField(name, out ClrObject items) && !items.IsNull)
            {
                count += ConcurrentQueueCount(items);
            }
        }

        if (queue.TryReadObjectField("_assignableWorkItemQueues", out ClrObject assignable) && !assignable.IsNull && assignable.IsArray)
        {
            ClrArray array = assignable.AsArray();
            for (int i = 0; i < array.Length; i++)
            {
                if (array.GetObjectValue(i) is { IsNull: false } items)
                {
                    count += ConcurrentQueueCount(items);
                }
            }
        }

        return count;
    }

    /// <summary>Items in a worker's <c>WorkStealingQueue</c>: from its head index to its tail index.</summary>
    private static long LocalQueue(ClrObject local) => Math.Max(0, local.ReadField<int>("m_tailIndex") - local.ReadField<int>("m_headIndex"));

    /// <summary>Items in a <c>ConcurrentQueue&lt;T&gt;</c>: over its segments, from head to tail (as its Count does).</summary>
    private static long ConcurrentQueueCount(ClrObject queue)
    {
        long count = 0;
        ClrObject segment = queue.ReadObjectField("_head");
        for (int i = 0; i < MaxSegments && !segment.IsNull; i++)
        {
            ClrValueType headAndTail = segment.ReadValueTypeField("_headAndTail");
            int mask = segment.ReadField<int>("_slotsMask");
            count += SegmentCount(headAndTail.ReadField<int>("Head"), headAndTail.ReadField<int>("Tail"), mask);
            segment = segment.ReadObjectField("_nextSegment");
        }

        return count;
    }

    /// <summary>
    /// Items between a segment's head and tail positions, as <c>ConcurrentQueue&lt;T&gt;.Count</c> computes them: a
    /// segment frozen for enqueues has its tail advanced by twice its length (empty when that is all that separates
    /// them); otherwise the positions are taken modulo the length.
    /// </summary>
    internal static int SegmentCount(int head, int tail, int mask)
    {
        int freezeOffset = (mask + 1) * 2;
        if (head == tail || head == tail - freezeOffset)
        {
            return 0;
        }

        head &= mask;
        tail &= mask;
        return head < tail ? tail - head : mask + 1 - head + tail;
    }

    /// <summary>The two static fields the queue count starts from, looked up once found (a miss is tried again: ClrMD's
    /// lookups by name fail now and then in a process that has just loaded many types). A static field's storage
    /// does not move for the life of the process.</summary>
    private sealed class PoolStatics
    {
        private ClrStaticField? _workQueue;
        private ClrStaticField? _localQueues;

        public ClrStaticField? WorkQueue(ClrModule core) =>
            _workQueue ??= core.GetTypeByName("System.Threading.ThreadPool")?.GetStaticFieldByName("s_workQueue");

        public ClrStaticField? LocalQueues(ClrModule core) =>
            _localQueues ??= core.GetTypeByName("System.Threading.ThreadPoolWorkQueue+WorkStealingQueueList")?.GetStaticFieldByName("s_queues");
    }
}
