namespace StackDepot.Cli.Blocking;

/// <summary>The thread pool's objects met on the heap by the async heap walk (0 for one not met).</summary>
internal sealed class ThreadPoolObjects
{
    /// <summary>The <c>System.Threading.PortableThreadPool</c> (its worker counts and limits).</summary>
    public ulong Pool { get; set; }

    /// <summary>The <c>System.Threading.ThreadPoolWorkQueue</c> (its global queues).</summary>
    public ulong WorkQueue { get; set; }

    /// <summary>The workers' <c>WorkStealingQueue</c>s (their local queues).</summary>
    public List<ulong> LocalQueues { get; } = [];
}
