using StackDepot.Tracking;

namespace StackDepot.Cli.Allocations;

/// <summary>
/// The heart of <c>stackdepot alloc</c> and <c>leaks</c>: each sampled allocation's stack goes into a
/// <see cref="Depot"/> once and its site accumulates what the sample stands for (estimated objects and bytes, with the
/// runtime's unbiased estimator), the sampled object is followed through collections, and after each gen2
/// collection the live bytes of every site are added to a least-squares growth estimate.
/// </summary>
/// <remarks>
/// Memory grows with distinct stacks (one depot record and one site each) and with the sampled objects alive now,
/// never with the number of events or the duration. Not thread-safe: one thread feeds the events; a reader on another
/// thread may look at <see cref="Samples"/> and the other counters only (progress).
/// </remarks>
internal sealed class AllocationRecorder
{
    /// <summary>The runtime's mean number of bytes between <c>AllocationSampled</c> events (fixed in .NET 10).</summary>
    public const long RuntimeSamplingRate = 102_400;

    private readonly Depot _depot;
    private readonly Dictionary<StackHandle, int> _siteIndex = [];
    private readonly List<SampledSite> _sites = [];
    private readonly Dictionary<string, string> _typeNames = new(StringComparer.Ordinal);
    private readonly LiveObjectTracker _live;
    private long _samples;
    private long _ticks;
    private long _gen2Collections;
    private int _distinctStacks;
    private int _collectionsStarted;
    private Action<int, int, bool>? _collectionFinished;

    /// <summary>Creates a recorder that saves stacks in <paramref name="depot"/>.</summary>
    public AllocationRecorder(Depot depot)
    {
        _depot = depot;
        _live = new LiveObjectTracker(Died);
    }

    /// <summary>The depot of the sampled stacks (return addresses, innermost first).</summary>
    public Depot Depot => _depot;

    /// <summary>The sites, in first-seen order.</summary>
    public IReadOnlyList<SampledSite> Sites => _sites;

    /// <summary><c>AllocationSampled</c> events recorded (readable from another thread).</summary>
    public long Samples => Volatile.Read(ref _samples); // progress only: pairs with the Volatile.Write in Record

    /// <summary><c>AllocationTick</c> events recorded (only when the runtime sends no <c>AllocationSampled</c>).</summary>
    public long Ticks => Volatile.Read(ref _ticks); // progress only: pairs with the Volatile.Write in RecordTick

    /// <summary>Distinct stacks (readable from another thread).</summary>
    public int DistinctStacks => Volatile.Read(ref _distinctStacks); // progress only: pairs with the Volatile.Write in SiteOf

    /// <summary>Samples whose stack the depot could not store (it was full); counted under one site without a stack.</summary>
    public long UnstoredSamples { get; private set; }

    /// <summary>Events that came without a stack (counted under the site without a stack).</summary>
    public long SamplesWithoutStack { get; private set; }

    /// <summary>Collections seen from start to end.</summary>
    public int Collections => _live.Collections;

    /// <summary>Gen2 collections seen from start to end (readable from another thread).</summary>
    public long Gen2Collections => Volatile.Read(ref _gen2Collections); // pairs with the Volatile.Write in CollectionEnded

    /// <summary>Collections whose start was seen so far (readable from another thread).</summary>
    public int CollectionsStarted => Volatile.Read(ref _collectionsStarted); // pairs with the Volatile.Write in CollectionStarted

    /// <summary>Called on the feeding thread after each collection has been applied, with its generation, the
    /// ordinal of its start (compare with <see cref="CollectionsStarted"/>) and whether it ran in the background.</summary>
    public Action<int, int, bool>? CollectionFinished
    {
        get => Volatile.Read(ref _collectionFinished); // pairs with the Volatile.Write in the setter (set by the session's thread, called on the feeding thread)
        set => Volatile.Write(ref _collectionFinished, value); // pairs with the Volatile.Read in the getter
    }

    /// <summary>Sampled objects followed now.</summary>
    public int TrackedObjects => _live.Count;

    /// <summary>True when the estimates come from <c>AllocationTick</c> events (biased), not from <c>AllocationSampled</c>.</summary>
    public bool FromTicks => _samples == 0 && _ticks > 0;

    /// <summary>True once <see cref="Freeze"/> was called: later events are counted in <see cref="IgnoredAfterFreeze"/> only.</summary>
    public bool Frozen { get; private set; }

    /// <summary>Allocation events that arrived after <see cref="Freeze"/> (between the final collection and the end of the stream).</summary>
    public long IgnoredAfterFreeze { get; private set; }

    /// <summary>
    /// Stops recording allocations (collections are still applied): called when the final full collection has been
    /// applied, so that objects allocated after it, whose fate no collection reports, do not count as alive.
    /// </summary>
    public void Freeze() => Frozen = true;

    /// <summary>
    /// Records one <c>AllocationSampled</c> event: an object of <paramref name="size"/> bytes, sampled with probability
    /// <c>1 - (1 - 1/102400)^size</c>, stands for <c>1/p</c> objects and <c>size/p</c> bytes.
    /// </summary>
    /// <param name="stack">Return addresses, innermost first; empty when the event had no stack.</param>
    /// <param name="typeName">The object's type.</param>
    /// <param name="address">The object's address (0 when unknown: not followed).</param>
    /// <param name="size">The object's size in bytes.</param>
    /// <param name="large">True when it went to the large or pinned object heap.</param>
    public void Record(ReadOnlySpan<ulong> stack, string typeName, ulong address, long size, bool large)
    {
        if (Frozen)
        {
            IgnoredAfterFreeze++;
            return;
        }

        if (_ticks > 0 && _samples == 0)
        {
            Forget(); // the runtime samples after all: the few ticks before the first sample are biased, drop them
        }

        double objects = AllocationSampler.SampleWeight(size, RuntimeSamplingRate);
        Add(stack, typeName, address, size, large, objects, objects * size);
        Volatile.Write(ref _samples, _samples + 1); // progress only: pairs with the Volatile.Read in Samples
    }

    /// <summary>
    /// Records one <c>AllocationTick</c> event (runtimes before .NET 10): the object that crossed the ~100 KB line
    /// stands for all <paramref name="amount"/> bytes allocated since the previous tick. Biased toward large objects
    /// and ignored once any <c>AllocationSampled</c> event was recorded.
    /// </summary>
    public void RecordTick(ReadOnlySpan<ulong> stack, string typeName, ulong address, long size, long amount, bool large)
    {
        if (Frozen)
        {
            IgnoredAfterFreeze++;
            return;
        }

        if (_samples > 0 || amount <= 0)
        {
            return;
        }

        double objects = size > 0 ? (double)amount / size : 1;
        Add(stack, typeName, address, size, large, objects, amount);
        Volatile.Write(ref _ticks, _ticks + 1); // progress only: pairs with the Volatile.Read in Ticks
    }

    /// <summary>A collection starts (GCStart).</summary>
    public void CollectionStarted(int generation, bool background)
    {
        _live.CollectionStarted(generation, background);
        Volatile.Write(ref _collectionsStarted, _live.Started); // pairs with the Volatile.Read in CollectionsStarted
    }

    /// <summary>A region and its generation (GCGenerationRange).</summary>
    public void GenerationRange(int generation, ulong start, ulong used) => _live.GenerationRange(generation, start, used);

    /// <summary>Objects in a range survived in place (GCBulkSurvivingObjectRanges).</summary>
    public void Survived(ulong start, ulong length) => _live.Survived(start, length);

    /// <summary>Objects in a range moved (GCBulkMovedObjectRanges).</summary>
    public void Moved(ulong from, ulong to, ulong length) => _live.Moved(from, to, length);

    /// <summary>A collection ends (GCEnd): the dead die, and after a gen2 collection every site's live bytes are noted.</summary>
    public void CollectionEnded()
    {
        int generation = _live.CollectionEnded(out int ordinal, out bool background);
        if (generation == 2)
        {
            long index = _gen2Collections + 1;
            foreach (SampledSite site in _sites)
            {
                if (site.LiveBytes > 0)
                {
                    site.Gen2LiveSum += site.LiveBytes;
                    site.Gen2WeightedLiveSum += index * site.LiveBytes;
                }
            }

            Volatile.Write(ref _gen2Collections, index); // pairs with the Volatile.Read in Gen2Collections (the end-of-session collection waits on it)
        }

        if (generation >= 0)
        {
            CollectionFinished?.Invoke(generation, ordinal, background);
        }
    }

    /// <summary>
    /// The least-squares slope of a site's live bytes after each gen2 collection against the collection's index
    /// (zero before the site's first sample): bytes gained per gen2 collection. NaN with fewer than two gen2 collections.
    /// </summary>
    public double GrowthPerGen2(SampledSite site)
    {
        double n = Gen2Collections;
        if (n < 2)
        {
            return double.NaN;
        }

        // x = 1..n: sum x = n(n+1)/2, sum x^2 = n(n+1)(2n+1)/6.
        double sumX = n * (n + 1) / 2;
        double sumXX = n * (n + 1) * (2 * n + 1) / 6;
        return (n * site.Gen2WeightedLiveSum - sumX * site.Gen2LiveSum) / (n * sumXX - sumX * sumX);
    }

    private void Add(ReadOnlySpan<ulong> stack, string typeName, ulong address, long size, bool large, double objects, double bytes)
    {
        int index = SiteOf(stack);
        SampledSite site = _sites[index];
        site.Samples++;
        site.AllocatedObjects += objects;
        site.AllocatedBytes += bytes;
        if (!_typeNames.TryGetValue(typeName, out string? type))
        {
            type = typeName;
            _typeNames.Add(type, type);
        }

        site.TypeBytes[type] = site.TypeBytes.GetValueOrDefault(type) + bytes;
        if (address != 0)
        {
            site.LiveSamples++;
            site.LiveObjects += objects;
            site.LiveBytes += bytes;
            _live.Allocated(address, new TrackedObject(index, objects, bytes, Math.Max(size, 0)), large);
        }
    }

    private int SiteOf(ReadOnlySpan<ulong> stack)
    {
        StackHandle handle = StackHandle.None;
        if (stack.IsEmpty)
        {
            SamplesWithoutStack++;
        }
        else
        {
            handle = _depot.Save(stack);
            if (handle.IsNone)
            {
                UnstoredSamples++;
            }
        }

        if (!_siteIndex.TryGetValue(handle, out int index))
        {
            index = _sites.Count;
            _sites.Add(new SampledSite(handle));
            _siteIndex.Add(handle, index);
            Volatile.Write(ref _distinctStacks, _sites.Count); // progress only: pairs with the Volatile.Read in DistinctStacks
        }

        return index;
    }

    private void Died(TrackedObject tracked)
    {
        SampledSite site = _sites[tracked.Site];
        site.LiveSamples = Math.Max(0, site.LiveSamples - 1);
        site.LiveObjects = Math.Max(0, site.LiveObjects - tracked.Objects);
        site.LiveBytes = Math.Max(0, site.LiveBytes - tracked.Bytes);
    }

    private void Forget()
    {
        foreach (SampledSite site in _sites)
        {
            site.Samples = site.LiveSamples = 0;
            site.AllocatedObjects = site.AllocatedBytes = site.LiveObjects = site.LiveBytes = 0;
            site.Gen2LiveSum = site.Gen2WeightedLiveSum = 0;
            site.TypeBytes.Clear();
        }

        Volatile.Write(ref _ticks, 0); // progress only: pairs with the Volatile.Read in Ticks
    }
}
