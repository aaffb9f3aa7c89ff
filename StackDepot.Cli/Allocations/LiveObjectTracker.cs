using StackDepot.Cli.EventPipe;

namespace StackDepot.Cli.Allocations;

/// <summary>A sampled object followed through collections: its site, its size and what it stands for.</summary>
/// <param name="Site">The index of the allocation site (stack) it was sampled at.</param>
/// <param name="Objects">The objects the sample stands for (its weight).</param>
/// <param name="Bytes">The bytes the sample stands for.</param>
/// <param name="Size">The object's own size in bytes (0 when unknown).</param>
internal readonly record struct TrackedObject(int Site, double Objects, double Bytes, long Size = 0);

/// <summary>
/// Follows sampled objects through garbage collections with the runtime's survival and move events (keyword
/// <c>GCHeapSurvivalAndMovement</c>), the way PerfView's GC heap simulation does: during a collection of generation
/// N the runtime reports the address ranges whose objects survived in place and those that moved (old and new
/// base); when it ends, every followed object of generations 0..N inside a range survives (at its new address, one
/// generation older) and every other one died.
/// </summary>
/// <remarks>
/// <para>
/// Which objects a collection judges comes from the generation ranges the runtime reports when it starts (every region
/// with its generation): an object is condemned when its region's generation is at most the collection's. Guessing
/// generations instead (new objects in 0, one older per survival) is wrong where the runtime keeps survivors young:
/// an object believed older escapes the collection that kills it, its memory is reused, and a later collection reports
/// the new occupant as surviving at its address. The guess is kept only for runtimes that report no ranges. A new
/// sample at the address of an object still followed, or a survivor moved onto one, means that object died unnoticed:
/// it is counted dead then, as is one that a reported range holds only in part (it would reach past the range's end).
/// </para>
/// <para>
/// Collections nest (foreground collections run inside a background gen2 collection); ranges belong to the innermost
/// open one. A background collection condemns generation 2 only (the younger ones are collected by the foreground
/// collections inside it), and of it only the objects that were there when it started (objects promoted into it while
/// it runs are live to it but may be missing from its ranges); one that reports no ranges at all kills nothing (the
/// runtime may not report its sweep), so objects die at the next blocking collection instead. Not thread-safe: one thread feeds the events.
/// </para>
/// </remarks>
internal sealed class LiveObjectTracker
{
    private const int Generations = 3;

    private readonly Dictionary<ulong, TrackedObject>[] _generations = [new(), new(), new()];
    private readonly Stack<Collection> _open = new();
    private readonly Action<TrackedObject> _died;
    private readonly List<(ulong Address, TrackedObject Object, int Generation)> _survivors = [];
    private readonly List<(ulong Address, TrackedObject Object, int Generation)> _unjudged = [];

    /// <summary>Creates a tracker that reports each death to <paramref name="died"/>.</summary>
    /// <param name="died">Called once for each followed object found dead.</param>
    public LiveObjectTracker(Action<TrackedObject> died)
    {
        _died = died;
    }

    /// <summary>Objects followed now.</summary>
    public int Count => _generations[0].Count + _generations[1].Count + _generations[2].Count;

    /// <summary>Collections seen from start to end.</summary>
    public int Collections { get; private set; }

    /// <summary>Collections whose start was seen (the ordinal of the latest one).</summary>
    public int Started { get; private set; }

    /// <summary>Starts following a newly sampled object.</summary>
    /// <param name="address">Its address.</param>
    /// <param name="tracked">Its site and weight.</param>
    /// <param name="large">True for the large and pinned object heaps (collected with generation 2).</param>
    public void Allocated(ulong address, TrackedObject tracked, bool large)
    {
        if (address == 0)
        {
            return;
        }

        for (int g = 0; g < Generations; g++)
        {
            if (_generations[g].Remove(address, out TrackedObject stale))
            {
                _died(stale); // its memory was reused: it died in a collection that did not report it
            }
        }

        _generations[large ? 2 : 0][address] = tracked;
    }

    /// <summary>A collection of generation <paramref name="generation"/> starts.</summary>
    /// <param name="generation">The condemned generation (0, 1 or 2).</param>
    /// <param name="background">True for a background (concurrent) gen2 collection.</param>
    public void CollectionStarted(int generation, bool background)
    {
        var collection = new Collection(Math.Clamp(generation, 0, Generations - 1), background, ++Started);
        if (background)
        {
            // Objects that reach generation 2 while it runs (promoted by the foreground collections inside it) are not
            // judged by it: it may not report them as survivors.
            collection.Judged = [.. _generations[Generations - 1].Keys];
        }

        _open.Push(collection);
    }

    /// <summary>Objects in [<paramref name="start"/>, start + <paramref name="length"/>) survived in place.</summary>
    public void Survived(ulong start, ulong length) => Moved(start, start, length);

    /// <summary>Objects in [<paramref name="from"/>, from + <paramref name="length"/>) survived and now start at
    /// <paramref name="to"/>.</summary>
    public void Moved(ulong from, ulong to, ulong length)
    {
        if (_open.TryPeek(out Collection? collection) && length > 0)
        {
            collection.Ranges.Add(new Range(from, to, length));
            collection.SawObjectRanges = true;
        }
    }

    /// <summary>
    /// A generation range (GCGenerationRange): the runtime reports every region with its generation right after a
    /// collection starts and again before it ends. Those of the start say which objects the collection judges.
    /// </summary>
    /// <param name="generation">0-2, 3 for the large object heap, 4 for the pinned object heap.</param>
    /// <param name="start">The region's start.</param>
    /// <param name="used">The bytes used from <paramref name="start"/>.</param>
    public void GenerationRange(int generation, ulong start, ulong used)
    {
        if (_open.TryPeek(out Collection? collection) && !collection.SawObjectRanges && used > 0 && collection.RegionStarts.Add(start))
        {
            collection.Regions.Add(new Region(start, used, generation));
        }
    }

    /// <summary>The innermost open collection ends: survivors move and age, the other condemned objects die.</summary>
    /// <returns>The generation of the collection that ended, or -1 when none was open (the session started during it).</returns>
    public int CollectionEnded() => CollectionEnded(out _);

    /// <summary>As <see cref="CollectionEnded()"/>, also giving the ordinal of the collection's start (see <see cref="Started"/>).</summary>
    public int CollectionEnded(out int ordinal) => CollectionEnded(out ordinal, out _);

    /// <summary>As <see cref="CollectionEnded()"/>, also giving the ordinal of the collection's start and whether it
    /// was a background collection.</summary>
    public int CollectionEnded(out int ordinal, out bool background)
    {
        ordinal = 0;
        background = false;
        if (!_open.TryPop(out Collection? collection))
        {
            return -1;
        }

        ordinal = collection.Ordinal;
        background = collection.Background;
        Collections++;
        if (collection.Background && collection.Ranges.Count == 0)
        {
            return collection.Generation;
        }

        List<Range> ranges = collection.Ranges;
        ranges.Sort(static (a, b) => a.From.CompareTo(b.From));
        List<Region> regions = collection.Regions;
        regions.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        _survivors.Clear();
        _unjudged.Clear();
        for (int g = 0; g < Generations; g++)
        {
            foreach ((ulong address, TrackedObject tracked) in _generations[g])
            {
                int generation = regions.Count > 0 ? RegionGeneration(regions, address) : g;
                if (!Condemned(collection, generation, address, byRegion: regions.Count > 0))
                {
                    _unjudged.Add((address, tracked, Math.Min(Math.Max(generation, 0), Generations - 1)));
                    continue;
                }

                // A survivor lies whole inside one reported range (a run of live objects); an object that would reach past
                // its range's end is not what lives there now: it died, and the memory went to another object.
                int index = Find(ranges, address);
                if (index < 0 || address - ranges[index].From + (ulong)tracked.Size > ranges[index].Length)
                {
                    _died(tracked);
                }
                else
                {
                    Range range = ranges[index];
                    _survivors.Add((address - range.From + range.To, tracked, Math.Min(generation + 1, Generations - 1)));
                }
            }

            _generations[g].Clear();
        }

        // The objects the collection did not judge, then its survivors. Two at one address: a survivor was moved onto
        // an object that was dead.
        foreach ((ulong address, TrackedObject tracked, int generation) in _unjudged.Concat(_survivors))
        {
            for (int g = 0; g < Generations; g++)
            {
                if (_generations[g].Remove(address, out TrackedObject overwritten))
                {
                    _died(overwritten);
                }
            }

            _generations[generation][address] = tracked;
        }

        _survivors.Clear();
        _unjudged.Clear();
        return collection.Generation;
    }

    /// <summary>
    /// Whether a collection judges an object. With the generation ranges the runtime reported at the collection's start,
    /// by the generation of the region holding it (large and pinned object heaps, 3 and 4, go with generation 2; a
    /// background collection judges generations 2 to 4 only); without them, by the generation this tracker believes.
    /// </summary>
    private static bool Condemned(Collection collection, int generation, ulong address, bool byRegion)
    {
        if (byRegion)
        {
            return generation >= 0 && (collection.Background
                ? generation >= 2
                : generation <= collection.Generation || (collection.Generation == Generations - 1 && generation > collection.Generation));
        }

        return generation >= (collection.Background ? Generations - 1 : 0) && generation <= collection.Generation &&
               (collection.Judged is not { } judged || judged.Contains(address));
    }

    /// <summary>The generation of the region holding <paramref name="address"/> (0-2, 3 for large, 4 for pinned objects), or -1.</summary>
    private static int RegionGeneration(List<Region> regions, ulong address)
    {
        int found = SortedSearch.LastAtOrBelow(regions, address, static r => r.Start);
        return found >= 0 && address - regions[found].Start < regions[found].Length ? regions[found].Generation : -1;
    }

    /// <summary>The index of the range holding <paramref name="address"/>, or -1.</summary>
    private static int Find(List<Range> ranges, ulong address)
    {
        int found = SortedSearch.LastAtOrBelow(ranges, address, static r => r.From);
        return found >= 0 && address - ranges[found].From < ranges[found].Length ? found : -1;
    }

    private readonly record struct Range(ulong From, ulong To, ulong Length);

    private readonly record struct Region(ulong Start, ulong Length, int Generation);

    private sealed class Collection(int generation, bool background, int ordinal)
    {
        public int Ordinal { get; } = ordinal;

        /// <summary>For a background collection: the generation-2 objects followed when it started, the only ones it judges
        /// (used when the runtime reports no generation ranges).</summary>
        public HashSet<ulong>? Judged { get; set; }

        /// <summary>The generation ranges reported at the collection's start (before its first object range).</summary>
        public List<Region> Regions { get; } = [];

        /// <summary>Region starts already reported in this collection (the ranges are reported again at its end).</summary>
        public HashSet<ulong> RegionStarts { get; } = [];

        /// <summary>True once the first surviving or moved range arrived: later generation ranges describe the heap after it.</summary>
        public bool SawObjectRanges { get; set; }

        public int Generation { get; } = generation;

        public bool Background { get; } = background;

        public List<Range> Ranges { get; } = [];
    }
}
