using System.Runtime.CompilerServices;
using StackDepot.Tracking;

namespace PprofService;

/// <summary>What the service does, instrumented: two allocation sites of known sizes and a connection type whose
/// instances are tracked until disposed.</summary>
internal sealed class Workload(AllocationSampler sampler, LeakTracker tracker)
{
    private readonly List<Connection> _open = [];

    /// <summary>Handles <paramref name="orders"/> orders: each parses a 4 KiB message and renders a 64 KiB invoice.</summary>
    public long Process(int orders)
    {
        long bytes = 0;
        for (int i = 0; i < orders; i++)
        {
            bytes += OrderParser.Parse(sampler).Length;
            bytes += InvoiceRenderer.Render(sampler).Length;
        }

        return bytes;
    }

    /// <summary>Opens a connection and keeps it (outstanding until closed).</summary>
    public int Open()
    {
        lock (_open)
        {
            _open.Add(ConnectionPool.Open(tracker));
            return _open.Count;
        }
    }

    /// <summary>Opens a connection and drops it without disposing it: a leak, counted after a collection.</summary>
    public void Leak() => ConnectionPool.Open(tracker);

    /// <summary>Closes every open connection.</summary>
    public int CloseAll()
    {
        lock (_open)
        {
            int count = _open.Count;
            _open.ForEach(c => c.Dispose());
            _open.Clear();
            return count;
        }
    }

    private static class OrderParser
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static byte[] Parse(AllocationSampler sampler)
        {
            var message = new byte[4096];
            sampler.Record(message.Length);
            return message;
        }
    }

    private static class InvoiceRenderer
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static byte[] Render(AllocationSampler sampler)
        {
            var invoice = new byte[64 * 1024];
            sampler.Record(invoice.Length);
            return invoice;
        }
    }

    private static class ConnectionPool
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static Connection Open(LeakTracker tracker) => new(tracker);
    }

    /// <summary>A resource that must be disposed.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly LeakTracker _tracker;

        public Connection(LeakTracker tracker)
        {
            _tracker = tracker;
            tracker.Track(this);
        }

        public void Dispose() => _tracker.Release(this);
    }
}
