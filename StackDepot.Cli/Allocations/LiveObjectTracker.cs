namespace StackDepot.Cli.Allocations;

/// <summary>A sampled object followed through collections: its site and what it stands for.</summary>
/// <param name="Site">The index of the allocation site (stack) it was sampled at.</param>
/// <param name="Objects">The objects the sample stands for (its weight).</param>
/// <param name="Bytes">The bytes the sample stands for.</param>
internal readonly record struct TrackedObject(int Site, double Objects, double Bytes);

/// <summary>
/// Follows sampled objects through garbage collections with the runtime's survival and move events (keyword
/// <c>GCHeapSurvivalAndMovement</c>), the way PerfView's GC heap simulation does: during a collection of generation
/// N the runtime reports the address ranges whose objects survived in place and those that moved (old and new
/// base); when it ends, every followed object of generations 0..N inside a range survives (at its new address, one
/// generation older) and every other one died.
/// </summary>
/// <remarks>
/// <para>
/// The generation of an object is what this tracker believes: a new object is in generation 0 (large and pinned
/// objects in 2), and each collection it survives makes it one older. Where the runtime keeps a survivor younger
/// (demotion), the belief errs toward keeping the object alive until the next collection of its believed generation;
/// a gen2 collection condemns everything and corrects it. A new sample at the address of an object still followed,
/// or a survivor moved onto one, means that object died unnoticed: it is counted dead then.
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
        _survivors.Clear();
        // A background collection sweeps generation 2 only; the younger generations are collected by the foreground
        // collections that run inside it.
        for (int g = collection.Background ? Generations - 1 : 0; g <= collection.Generation; g++)
        {
            List<ulong>? spared = null;
            foreach ((ulong address, TrackedObject tracked) in _generations[g])
            {
                if (collection.Judged is { } judged && !judged.Contains(address))
                {
                    (spared ??= []).Add(address); // reached generation 2 during the background collection: not judged
                    continue;
                }

                int index = Find(ranges, address);
                if (index < 0)
                {
                    _died(tracked);
                }
                else
                {
                    Range range = ranges[index];
                    _survivors.Add((address - range.From + range.To, tracked, Math.Min(g + 1, Generations - 1)));
                }
            }

            if (spared is null)
            {
                _generations[g].Clear();
            }
            else
            {
                var keep = new HashSet<ulong>(spared);
                foreach (ulong address in _generations[g].Keys.Where(a => !keep.Contains(a)).ToList())
                {
                    _generations[g].Remove(address);
                }
            }
        }

        foreach ((ulong address, TrackedObject tracked, int generation) in _survivors)
        {
            for (int g = 0; g < Generations; g++)
            {
                if (g != generation && _generations[g].Remove(address, out TrackedObject overwritten))
                {
                    _died(overwritten); // a survivor was moved onto it: it was dead
                }
            }

            if (_generations[generation].Remove(address, out TrackedObject twin))
            {
                _died(twin);
            }

            _generations[generation][address] = tracked;
        }

        _survivors.Clear();
        return collection.Generation;
    }

    /// <summary>The index of the range holding <paramref name="address"/>, or -1.</summary>
    private static int Find(List<Range> ranges, ulong address)
    {
        int found = SortedSearch.LastAtOrBelow(ranges, address, static r => r.From);
        return found >= 0 && address - ranges[found].From < ranges[found].Length ? found : -1;
    }

    private readonly record struct Range(ulong From, ulong To, ulong Length);

    private sealed class Collection(int generation, bool background, int ordinal)
    {
        public int Ordinal { get; } = ordinal;

        /// <summary>For a background collection: the generation-2 objects followed when it started, the only ones it judges.</summary>
        public HashSet<ulong>? Judged { get; set; }

        public int Generation { get; } = generation;

        public bool Background { get; } = background;

        public List<Range> Ranges { get; } = [];
    }
}
