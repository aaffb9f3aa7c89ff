using System.Diagnostics;
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
        long? queued = objects is { WorkQueue: not 0 } ? QueuedWorkItems(runtime.Heap, objects) : QueuedWorkItems(runtime);

        // The pool object through its static field, found once per runtime: ClrMD's runtime.ThreadPool looks three
        // types up by name every time it is asked (10 ms of a 20 ms sample on a 20-thread target).
        PoolStatics statics = StaticsOf(runtime);
        if (PortablePool(runtime, statics) is { IsNull: false } portable && FromPoolObject(portable, queued) is { } state)
        {
            return state;
        }

        if (objects is { Pool: not 0 })
        {
            return FromPoolObject(runtime.Heap.GetObject(objects.Pool), queued);
        }

        // ClrMD's reading (the runtime's own data where there is no managed pool object), at most once a second.
        return statics.ClrMdReading(() => FromClrMd(runtime)) is { } read ? read with { Queued = queued } : null;
    }

    private static ThreadPoolState? FromClrMd(ClrRuntime runtime)
    {
        ClrThreadPool? pool;
        try
        {
            pool = runtime.ThreadPool;
        }
        catch (Exception e) when (e is InvalidOperationException or ClrDiagnosticsException or NotSupportedException or IOException)
        {
            pool = null;
        }

        return pool is { UsingWindowsThreadPool: false }
            ? new ThreadPoolState
            {
                Running = pool.ActiveWorkerThreads,
                Idle = pool.IdleWorkerThreads,
                Retired = pool.RetiredWorkerThreads,
                Min = pool.MinThreads,
                Max = pool.MaxThreads,
            }
            : null;
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
            PoolStatics statics = StaticsOf(runtime);
            if (core.AppDomain is not { } domain ||
                statics.Field(core, "System.Threading.ThreadPool", "s_workQueue")?.ReadObject(domain) is not { IsNull: false } queue)
            {
                return null;
            }

            long count = GlobalQueues(queue);
            if (statics.Field(core, "System.Threading.ThreadPoolWorkQueue+WorkStealingQueueList", "s_queues")?.ReadObject(domain) is
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

    private static PoolStatics StaticsOf(ClrRuntime runtime) => Statics.GetValue(runtime, static _ => new PoolStatics());

    /// <summary><c>PortableThreadPool.ThreadPoolInstance</c>, unless the process runs the Windows thread pool or the
    /// field is not found (the type is loaded when the pool is first used).</summary>
    private static ClrObject? PortablePool(ClrRuntime runtime, PoolStatics statics)
    {
        try
        {
            ClrModule core = runtime.BaseClassLibrary;
            if (core.AppDomain is not { } domain ||
                statics.Field(core, "System.Threading.PortableThreadPool", "ThreadPoolInstance") is not { } field ||
                statics.Field(core, "System.Threading.ThreadPool", "s_useWindowsThreadPool")?.Read<bool>(domain) == true)
            {
                return null;
            }

            return field.ReadObject(domain);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ClrDiagnosticsException or IOException)
        {
            return null;
        }
    }

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

    /// <summary>
    /// The static fields the pool's state starts from, per runtime. A field found is kept (a static field's storage does
    /// not move for the life of the process); one not found is sought again, but at most once a second: a miss reads
    /// every loaded type's name (3 ms to 50 ms), and the type may yet be loaded (the pool is made on first use), or
    /// ClrMD's lookup by name may have missed it (it does now and then in a process that has just loaded many types).
    /// </summary>
    private sealed class PoolStatics
    {
        private static readonly TimeSpan SeekAgainAfter = TimeSpan.FromSeconds(1);

        private readonly Dictionary<(string Type, string Field), (ClrStaticField? Field, long SoughtAt)> _fields = [];
        private (ThreadPoolState? State, long ReadAt)? _clrMd;

        public ClrStaticField? Field(ClrModule core, string type, string field)
        {
            lock (_fields)
            {
                long now = Stopwatch.GetTimestamp();
                if (_fields.TryGetValue((type, field), out (ClrStaticField? Field, long SoughtAt) known) &&
                    (known.Field is not null || Stopwatch.GetElapsedTime(known.SoughtAt, now) < SeekAgainAfter))
                {
                    return known.Field;
                }

                ClrStaticField? found = core.GetTypeByName(type)?.GetStaticFieldByName(field);
                _fields[(type, field)] = (found, now);
                return found;
            }
        }

        /// <summary>ClrMD's reading of the pool, taken again only once a second has passed since the last one.</summary>
        public ThreadPoolState? ClrMdReading(Func<ThreadPoolState?> read)
        {
            lock (_fields)
            {
                long now = Stopwatch.GetTimestamp();
                if (_clrMd is not { } last || Stopwatch.GetElapsedTime(last.ReadAt, now) >= SeekAgainAfter)
                {
                    _clrMd = (read(), now);
                }

                return _clrMd.Value.State;
            }
        }
    }
}
