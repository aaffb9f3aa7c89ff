using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using StackDepot.Capture;
using StackDepot.Reporting;

namespace StackDepot.Tracking;

/// <summary>
/// Samples allocations by bytes at instrumented sites and keeps, per site (stack, stored in a <see cref="Depot"/>),
/// how many samples it took and what they stand for: unbiased estimates of the allocations and bytes behind them.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="Record"/> where your code allocates (a buffer pool's rent, a message decoder, a cache fill) with the
/// size in bytes. Each thread counts down a random number of bytes drawn from an exponential distribution with mean
/// <see cref="AllocationSamplerOptions.SamplingRate"/>; the call that reaches zero is sampled: its stack is captured
/// (several microseconds) and saved in the depot, and a fresh interval is drawn. An allocation of <c>s</c> bytes is thus
/// sampled with probability <c>p = 1 - exp(-s/R)</c> whatever came before it, and a sample stands for <c>1/p</c>
/// allocations and <c>s/p</c> bytes (the scaling of Go's heap profiles and pprof), so the estimates are unbiased for
/// every site and every size mix. The weight is applied per sample, not to a site's average size.
/// </para>
/// <para>
/// A call that does not sample touches only the calling thread's countdown: no lock, no interlocked operation, no
/// allocation (a few nanoseconds; see <c>docs/in-process.md</c>). Sampling takes a lock briefly to update the site.
/// All members are thread-safe.
/// </para>
/// <para>
/// Each site holds one <see cref="SaveFlags.Get"/> reference on its stack, dropped by <see cref="Reset"/> and
/// <see cref="Dispose"/>. Dispose the sampler before its depot (if the depot goes first, samples are dropped rather than
/// failing the instrumented code). Metrics: observable instruments on the
/// <c>StackDepot</c> meter, tagged <c>sampler</c>: <c>stackdepot.allocations.samples</c>,
/// <c>stackdepot.allocations.sampled_bytes</c>, <c>stackdepot.allocations.estimated_bytes</c>.
/// </para>
/// </remarks>
public sealed class AllocationSampler : IDisposable
{
    private const long Disposed = -1;
    private static long s_lastGeneration;

    // The non-sampling path: one slot per live sampler in an array per thread. A slot belongs to this sampler when its
    // generation matches (generations are never reused, so a slot index recycled from a disposed sampler starts over).
    [ThreadStatic]
    private static ThreadSlot[]? t_slots;

    private readonly Depot _depot;
    private readonly long _rate;
    private readonly int _maxFrames;
    private readonly int _skipFrames;
    private readonly bool _runtimeFrames;
    private readonly ulong _seed;
    private readonly int _slot;
    private readonly object _lock = new();
    private readonly Meter _meter;
    private long _generation;
    private long _threadsSeen;

    // Guarded by _lock.
    private Dictionary<StackHandle, SiteCounters> _sites = [];
    private long _samples;
    private long _sampledBytes;
    private long _unstoredSamples;
    private double _estimatedObjects;
    private double _estimatedBytes;
    private DateTimeOffset _since = DateTimeOffset.UtcNow;

    /// <summary>Creates a sampler that stores its sampled stacks in <paramref name="depot"/>.</summary>
    /// <param name="depot">The depot for the stacks; it must outlive the sampler.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public AllocationSampler(Depot depot, AllocationSamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(depot);
        options ??= new AllocationSamplerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SamplingRate, 1, nameof(options.SamplingRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SamplingRate, 1L << 40, nameof(options.SamplingRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFrames, nameof(options.MaxFrames));
        ArgumentOutOfRangeException.ThrowIfNegative(options.SkipFrames, nameof(options.SkipFrames));
        ArgumentNullException.ThrowIfNull(options.Name, nameof(options.Name));

        _depot = depot;
        _rate = options.SamplingRate;
        _maxFrames = Math.Min(options.MaxFrames, depot.MaxFrames);
        _skipFrames = options.SkipFrames;
        _runtimeFrames = options.RuntimeFrames;
        _seed = options.Seed is int seed ? (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + 0x5DEECE66DUL : RandomSeed();
        Name = options.Name;
        _slot = SlotIndices.Rent();
        _generation = Interlocked.Increment(ref s_lastGeneration); // uniqueness only: pairs with the same increment in other samplers' constructors; a generation is never reused

        _meter = CreateMeter(new WeakReference<AllocationSampler>(this), Name);
    }

    /// <summary>Releases the metrics (and the slot index) of a sampler that was never disposed.</summary>
    ~AllocationSampler()
    {
        if (_meter is not null) // null when the constructor threw before creating it (and perhaps before renting the slot)
        {
            _meter.Dispose();
            SlotIndices.Return(_slot); // unreachable: no thread can be recording to this slot for this sampler
        }
    }

    /// <summary>The sampler's name (metrics tag and report title).</summary>
    public string Name { get; }

    /// <summary>Mean bytes between samples.</summary>
    public long SamplingRate => _rate;

    /// <summary>The depot holding the sampled stacks.</summary>
    public Depot Depot => _depot;

    /// <summary>
    /// Records an allocation of <paramref name="bytes"/> at the calling site; samples it with probability
    /// <c>1 - exp(-bytes/SamplingRate)</c>.
    /// </summary>
    /// <param name="bytes">The allocation's size; 0 is ignored.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative.</exception>
    /// <remarks>After <see cref="Dispose"/> of the sampler (or of its depot), calls are ignored. A site is the stack of the method calling
    /// <c>Record</c> (or, with <see cref="AllocationSamplerOptions.SkipFrames"/>, of its callers); a method whose last
    /// action is the call may be missing from the stack when the JIT turns that call into a tail call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long bytes)
    {
        ThreadSlot[]? slots = t_slots;
        int index = _slot;
        if (slots is not null && (uint)index < (uint)slots.Length)
        {
            ref ThreadSlot slot = ref slots[index];
            long countdown = slot.Countdown;

            // Unsigned compare: a negative size goes to the slow path, which rejects it.
            if (slot.Generation == _generation && (ulong)bytes < (ulong)countdown)
            {
                slot.Countdown = countdown - bytes;
                return;
            }
        }

        RecordSlow(bytes);
    }

    /// <summary>A snapshot of the samples and estimates, sites sorted by estimated bytes.</summary>
    /// <returns>The profile; its stack handles stay valid until <see cref="Reset"/> or <see cref="Dispose"/>.</returns>
    public AllocationProfile GetProfile()
    {
        lock (_lock)
        {
            var sites = new List<AllocationSite>(_sites.Count);
            foreach ((StackHandle handle, SiteCounters c) in _sites)
            {
                sites.Add(new AllocationSite(handle, c.Samples, c.SampledBytes, c.EstimatedObjects, c.EstimatedBytes));
            }

            sites.Sort(static (a, b) => b.EstimatedBytes.CompareTo(a.EstimatedBytes));
            return new AllocationProfile
            {
                SamplingRate = _rate,
                Samples = _samples,
                SampledBytes = _sampledBytes,
                EstimatedObjects = _estimatedObjects,
                EstimatedBytes = _estimatedBytes,
                UnstoredSamples = _unstoredSamples,
                Sites = sites,
                Since = _since,
            };
        }
    }

    /// <summary>
    /// The top allocation sites as a <see cref="StackReport"/> (write it with <see cref="StackReportWriter"/> in any
    /// format). Values per site (see <see cref="ValueTypes"/>): estimated bytes (the sort key, Go's <c>alloc_space</c>),
    /// estimated allocations (<c>alloc_objects</c>), samples, sampled bytes. The report's period is the sampling rate in
    /// bytes, its start time the sampler's creation or last <see cref="Reset"/>.
    /// </summary>
    /// <param name="options">What to include; null for the defaults (top 10, no source lines).</param>
    /// <returns>The report.</returns>
    public StackReport GetReport(AllocationReportOptions? options = null)
    {
        options ??= new AllocationReportOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Top, nameof(options.Top));
        AllocationProfile profile = GetProfile();

        // Sites keep their references until Reset; a Reset racing with this call could free a stack before it is
        // fetched, so the report is built from the snapshot under a reference of its own.
        var builder = new StackReportBuilder(_depot, ValueTypes, TrackingFormat.FrameSource(options.Symbolizer, options.IncludeSourceInfo));
        var held = new List<StackHandle>(profile.Sites.Count);
        try
        {
            Span<ulong> frames = stackalloc ulong[_depot.MaxFrames];
            foreach (AllocationSite site in profile.Sites)
            {
                StackHandle handle = site.Stack;
                if (!handle.IsNone)
                {
                    if (!_depot.TryFetch(handle, frames, out int count))
                    {
                        continue; // freed by a concurrent Reset: the site is no longer part of this sampler
                    }

                    handle = _depot.Save(frames[..count], SaveFlags.Get);
                    held.Add(handle);
                }

                builder.Add(handle, [(long)Math.Round(site.EstimatedBytes), (long)Math.Round(site.EstimatedObjects), site.Samples, site.SampledBytes]);
            }

            // The writers print the totals of every value; these are the facts they cannot know.
            var properties = new Dictionary<string, string>
            {
                ["sampling rate"] = TrackingFormat.Bytes(_rate) + " (mean bytes between samples, exponential)",
            };
            if (profile.UnstoredSamples > 0)
            {
                properties["samples without a stored stack (depot full)"] = TrackingFormat.Count(profile.UnstoredSamples);
            }

            StackReport built = builder.Build(options.Title ?? $"Allocation sites (sampler {Name})", options.Top, options.MinEstimatedBytes, properties);
            var entries = new List<StackReportEntry>(built.Entries.Count);
            foreach (StackReportEntry entry in built.Entries)
            {
                string caption = string.Create(CultureInfo.InvariantCulture,
                    $"~{TrackingFormat.Bytes(entry.Values[0])} in ~{TrackingFormat.Count(entry.Values[1])} objects ({ReportFormatting.Percent(entry.Values[0], profile.EstimatedBytes)} of bytes, {TrackingFormat.Count(entry.Values[2])} samples) {(entry.Handle.IsNone ? "at stacks the depot could not store (full):" : "allocated at:")}");
                entries.Add(TrackingFormat.WithCaption(entry, caption));
            }

            return built with
            {
                Entries = entries,
                Totals = [(long)Math.Round(profile.EstimatedBytes), (long)Math.Round(profile.EstimatedObjects), profile.Samples, profile.SampledBytes],
                StartTime = profile.Since,
                Duration = DateTimeOffset.UtcNow - profile.Since,
                PeriodType = ReportValueType.Space,
                MainModule = TrackingFormat.MainModule,
                Period = _rate,
            };
        }
        finally
        {
            foreach (StackHandle handle in held)
            {
                _depot.Put(handle);
            }
        }
    }

    /// <summary>
    /// The number of allocations one sampled allocation of <paramref name="bytes"/> stands for when every byte is
    /// sampled with probability <c>1/samplingRate</c>: <c>1 / (1 - exp(-bytes/samplingRate))</c>, the Horvitz-Thompson
    /// weight this sampler gives each of its samples (multiply by <paramref name="bytes"/> for the bytes it stands
    /// for). Use it to scale samples taken by another byte-based sampler, such as the .NET runtime's
    /// <c>AllocationSampled</c> event (mean 102,400 bytes between samples).
    /// </summary>
    /// <param name="bytes">The sampled allocation's size in bytes.</param>
    /// <param name="samplingRate">Mean bytes between samples; 1 or less means every allocation is sampled.</param>
    /// <returns>The weight, at least 1 for a positive size; 0 for a size of 0 or less.</returns>
    public static double SampleWeight(long bytes, long samplingRate) => SamplingMath.Weight(bytes, samplingRate);

    /// <summary>The value types of <see cref="GetReport"/>, in order: <see cref="ReportValueType.AllocatedBytes"/> and
    /// <see cref="ReportValueType.AllocatedObjects"/> (estimates, named as in Go's heap profiles), then the raw
    /// <c>samples</c> and <c>sampled bytes</c>.</summary>
    public static IReadOnlyList<ReportValueType> ValueTypes { get; } =
    [
        ReportValueType.AllocatedBytes,
        ReportValueType.AllocatedObjects,
        new("samples", "count") { Label = "sampled" },
        new("sampled bytes", "bytes") { Label = "sampled" },
    ];

    /// <summary>Forgets every sample and drops the sites' references on their stacks. Threads keep their countdowns
    /// (the intervals are memoryless, so this biases nothing).</summary>
    public void Reset()
    {
        Dictionary<StackHandle, SiteCounters> old;
        lock (_lock)
        {
            old = _sites;
            _sites = [];
            _samples = 0;
            _sampledBytes = 0;
            _unstoredSamples = 0;
            _estimatedObjects = 0;
            _estimatedBytes = 0;
            _since = DateTimeOffset.UtcNow;
        }

        PutAll(old.Keys);
    }

    /// <summary>Stops sampling (later <see cref="Record"/> calls are ignored), drops the sites' references and removes
    /// the metrics.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _generation, Disposed) == Disposed) // full fence: pairs with the Volatile.Read in RecordSlow and Sample; only the first Dispose goes on
        {
            return;
        }

        _meter.Dispose();
        Dictionary<StackHandle, SiteCounters> old;
        lock (_lock)
        {
            old = _sites;
            _sites = [];
        }

        PutAll(old.Keys);
        SlotIndices.Return(_slot);
        GC.SuppressFinalize(this);
    }

    // Meters are registered process-wide: the callbacks reach the sampler through a weak reference (a strong one would
    // keep an undisposed sampler, and its depot, alive forever) and observe nothing once it is gone.
    private static Meter CreateMeter(WeakReference<AllocationSampler> owner, string name)
    {
        var meter = new Meter(Diagnostics.DepotMetrics.MeterName);
        KeyValuePair<string, object?>[] tags = [new("sampler", name)];
        meter.CreateObservableCounter("stackdepot.allocations.samples",
            () => Observe(owner, tags, static s => Volatile.Read(ref s._samples)), // statistics only: pairs with the writes under _lock in Sample and Reset
            "{sample}", "Allocations sampled");
        meter.CreateObservableCounter("stackdepot.allocations.sampled_bytes",
            () => Observe(owner, tags, static s => Volatile.Read(ref s._sampledBytes)), // statistics only: pairs with the writes under _lock in Sample and Reset
            "By", "Bytes of the sampled allocations, not scaled");
        meter.CreateObservableCounter("stackdepot.allocations.estimated_bytes",
            () => Observe(owner, tags, static s => (long)Volatile.Read(ref s._estimatedBytes)), // statistics only: pairs with the writes under _lock in Sample and Reset
            "By", "Estimated bytes allocated at instrumented sites (samples scaled by 1/p)");
        return meter;
    }

    private static IEnumerable<Measurement<long>> Observe(WeakReference<AllocationSampler> owner, KeyValuePair<string, object?>[] tags, Func<AllocationSampler, long> read) =>
        owner.TryGetTarget(out AllocationSampler? sampler) ? [new Measurement<long>(read(sampler), tags)] : [];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordSlow(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long generation = Volatile.Read(ref _generation); // acquire: pairs with the Interlocked.Exchange in Dispose; a stale value is caught again in Sample
        if (generation == Disposed)
        {
            return;
        }

        ref ThreadSlot slot = ref ThreadSlotFor(generation);
        long countdown = slot.Countdown;
        if ((ulong)bytes < (ulong)countdown)
        {
            slot.Countdown = countdown - bytes; // this thread's first call, below its first interval
            return;
        }

        // A fresh draw rather than carrying the overshoot: that is what makes each allocation's chance independent.
        slot.Countdown = SamplingMath.NextInterval(ref slot.Random, _rate);
        Sample(bytes);
    }

    private ref ThreadSlot ThreadSlotFor(long generation)
    {
        ThreadSlot[]? slots = t_slots;
        if (slots is null || slots.Length <= _slot)
        {
            var grown = new ThreadSlot[Math.Max(_slot + 1, Math.Max(4, (slots?.Length ?? 0) * 2))];
            slots?.CopyTo(grown, 0);
            t_slots = slots = grown;
        }

        ref ThreadSlot slot = ref slots[_slot];
        if (slot.Generation != generation)
        {
            slot.Generation = generation;
            slot.Random = _seed ^ ((ulong)Interlocked.Increment(ref _threadsSeen) * 0xD1B54A32D192ED03UL); // uniqueness only: pairs with the same increment on other threads; each thread gets its own stream
            slot.Countdown = SamplingMath.NextInterval(ref slot.Random, _rate);
        }

        return ref slot;
    }

    private void Sample(long bytes)
    {
        Span<ulong> frames = stackalloc ulong[_maxFrames];
        int count = StackCapture.CaptureBelow(frames, typeof(AllocationSampler), _skipFrames, foldRuntimeFrames: !_runtimeFrames);
        StackHandle handle;
        try
        {
            handle = count == 0 ? StackHandle.None : _depot.Save(frames[..count], SaveFlags.Get);
        }
        catch (ObjectDisposedException)
        {
            return; // the depot was disposed before the sampler (shutdown order): an instrumented site must not fail
        }

        bool unstored = handle.IsNone;
        double weight = SamplingMath.Weight(bytes, _rate);
        bool extraReference;
        SiteCounters? site = null;
        lock (_lock)
        {
            if (Volatile.Read(ref _generation) == Disposed) // acquire: pairs with the Interlocked.Exchange in Dispose, done before Dispose takes _lock to swap _sites
            {
                extraReference = true; // disposed while capturing: keep nothing
            }
            else if (_sites.TryGetValue(handle, out site))
            {
                extraReference = !handle.IsNone; // the site already holds one
            }
            else
            {
                site = new SiteCounters();
                _sites.Add(handle, site);
                extraReference = false;
            }

            if (site is not null)
            {
                site.Samples++;
                site.SampledBytes += bytes;
                site.EstimatedObjects += weight;
                site.EstimatedBytes += weight * bytes;
                _samples++;
                _sampledBytes += bytes;
                _estimatedObjects += weight;
                _estimatedBytes += weight * bytes;
                if (unstored)
                {
                    _unstoredSamples++;
                }
            }
        }

        if (extraReference)
        {
            PutQuietly(handle);
        }
    }

    private void PutAll(IEnumerable<StackHandle> handles)
    {
        foreach (StackHandle handle in handles)
        {
            PutQuietly(handle);
        }
    }

    private void PutQuietly(StackHandle handle)
    {
        try
        {
            _depot.Put(handle);
        }
        catch (ObjectDisposedException)
        {
            // The depot went first; its records go with it.
        }
    }

    private static ulong RandomSeed()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    private struct ThreadSlot
    {
        public long Countdown;
        public long Generation;
        public ulong Random;
    }

    private sealed class SiteCounters
    {
        public long Samples;
        public long SampledBytes;
        public double EstimatedObjects;
        public double EstimatedBytes;
    }

    /// <summary>Indices into the per-thread slot arrays, recycled when samplers are disposed.</summary>
    private static class SlotIndices
    {
        private static readonly Stack<int> s_free = new();
        private static int s_next;

        public static int Rent()
        {
            lock (s_free)
            {
                return s_free.Count > 0 ? s_free.Pop() : s_next++;
            }
        }

        public static void Return(int index)
        {
            lock (s_free)
            {
                s_free.Push(index);
            }
        }
    }
}
