using System.Diagnostics;
using System.Diagnostics.Metrics;
using StackDepot.Testing;

namespace StackDepot.Diagnostics;

/// <summary>
/// The depot's figures as observable instruments on a <see cref="Meter"/> named "StackDepot" (one meter per depot,
/// tagged <c>depot</c> with <see cref="DepotOptions.Name"/>), visible to <c>dotnet-counters</c> and OpenTelemetry.
/// A collection takes one <see cref="Depot.GetStats"/> snapshot and reuses it for every instrument.
/// </summary>
internal sealed class DepotMetrics : IDisposable
{
    /// <summary>The meter name of every StackDepot instrument (the depot's, the allocation sampler's, the leak
    /// tracker's).</summary>
    public const string MeterName = "StackDepot";

    private readonly WeakReference<Depot> _depot; // meters are registered process-wide: a strong reference would keep an undisposed depot alive forever
    private readonly KeyValuePair<string, object?>[] _tags;
    private DepotStats? _cached;
    private long _cachedAt;

    public DepotMetrics(string depotName, Depot depot)
    {
        _depot = new WeakReference<Depot>(depot);
        _tags = [new("depot", depotName)];
        Meter = new Meter(MeterName);
        Gauge("stackdepot.pools", "{pool}", "Storage pools allocated", s => s.Pools);
        Gauge("stackdepot.bytes.reserved", "By", "Bytes of pool memory reserved", s => s.BytesReserved);
        Gauge("stackdepot.bytes.used", "By", "Bytes of pool memory carved into records", s => s.BytesUsed);
        Gauge("stackdepot.records.persistent", "{record}", "Persistent records", s => s.PersistentRecords);
        Gauge("stackdepot.records.refcounted", "{record}", "Refcounted records in use", s => s.RefcountedInUse);
        Gauge("stackdepot.freelist.length", "{record}", "Freed records not yet reused", s => s.FreeListLength);
        Gauge("stackdepot.freelist.waiting", "{record}", "Freed records still in their grace period", s => s.WaitingForGracePeriod);
        Counter("stackdepot.saves", "{save}", "Saves of non-empty stacks", s => s.Saves);
        Counter("stackdepot.hits", "{save}", "Saves answered by an existing record", s => s.Hits);
        Counter("stackdepot.inserts", "{record}", "Records created", s => s.Inserts);
        Counter("stackdepot.frees", "{record}", "Refcounted records freed", s => s.RefcountedFrees);
        Counter("stackdepot.puts", "{put}", "References dropped", s => s.Puts);
        Counter("stackdepot.drops", "{save}", "Saves dropped because the depot was full", s => s.Drops);
    }

    public Meter Meter { get; }

    public void Dispose() => Meter.Dispose();

    private void Gauge(string name, string unit, string description, Func<DepotStats, long> read) =>
        Meter.CreateObservableGauge(name, () => Observe(read), unit, description);

    private void Counter(string name, string unit, string description, Func<DepotStats, long> read) =>
        Meter.CreateObservableCounter(name, () => Observe(read), unit, description);

    private IEnumerable<Measurement<long>> Observe(Func<DepotStats, long> read)
    {
        DepotStats? stats = Snapshot();
        return stats is null ? [] : [new Measurement<long>(read(stats), _tags)];
    }

    private DepotStats? Snapshot()
    {
        // One snapshot serves all instruments of one collection (they are observed back to back).
        long now = Stopwatch.GetTimestamp();
        DepotStats? cached = _cached;
        if (cached is null || Stopwatch.GetElapsedTime(_cachedAt, now) > TimeSpan.FromMilliseconds(50))
        {
            if (!_depot.TryGetTarget(out Depot? depot) || depot.IsDisposed)
            {
                return null;
            }

            // Dispose may come between the check above and the snapshot; an observer must not throw, and a snapshot
            // of a depot disposed a moment ago is still right.
            depot.RunTestHook(DepotHookPoint.MetricsBeforeSnapshot);
            cached = depot.SnapshotForObserver();
            _cached = cached;
            _cachedAt = now;
        }

        return cached;
    }
}
