using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using StackDepot.Capture;
using StackDepot.Reporting;

namespace StackDepot.Tracking;

/// <summary>
/// Finds objects that are never released (disposed), grouped by the stack that created them, in the manner of the
/// Linux kernel's <c>ref_tracker</c> and LeakSanitizer.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="Track"/> when a resource is created (typically in its constructor) and <see cref="Release"/> on its
/// dispose path. <c>Track</c> captures the creating stack and saves it in the depot with <see cref="SaveFlags.Get"/>;
/// <c>Release</c> drops that reference. An object the garbage collector reclaims while still tracked is counted as
/// <em>leaked</em> at its creation stack; an object alive and not released is <em>outstanding</em>.
/// <see cref="GetReport"/> lists both by stack: <c>12 objects (of 40 tracked) created at:</c> and the frames.
/// </para>
/// <para>
/// <b>Mechanism.</b> The tracker holds no strong reference to a tracked object. It attaches a small finalizable
/// sentinel to the object through a <see cref="ConditionalWeakTable{TKey,TValue}"/> (a dependent handle: the sentinel
/// lives exactly as long as the object). <c>Release</c> marks the sentinel released and suppresses its finalizer; if
/// the object dies first, the sentinel becomes unreachable with it and its finalizer counts the leak. A compare-and-swap
/// on the sentinel's state makes release, leak and dispose mutually exclusive, so every reference is dropped once.
/// Leaks are therefore seen after a garbage collection and the finalizer thread's next pass (a finalizable tracked
/// object needs one more collection: its own finalizer runs first).
/// </para>
/// <para>
/// <b>Misuse.</b> <see cref="Release"/> answers <see cref="ReleaseResult.NotTracked"/> for an object it never tracked
/// and <see cref="ReleaseResult.AlreadyReleased"/> for a second release (the released state is kept while the object
/// lives), and counts both; neither changes anything else. <see cref="Track"/> returns false for an object already
/// tracked and outstanding. A released object can be tracked again (pooled objects).
/// </para>
/// <para>
/// All members are thread-safe. <c>Track</c> costs one stack capture (several microseconds) and a short lock on one
/// of 16 shards; <c>Release</c> takes no lock. Metrics: observable instruments on the <c>StackDepot</c> meter, tagged
/// <c>tracker</c>: <c>stackdepot.objects.tracked</c>, <c>.released</c>, <c>.outstanding</c>, <c>.leaked</c>.
/// </para>
/// </remarks>
public sealed class LeakTracker : IDisposable
{
    private const int ShardCount = 16;
    private const int Outstanding = 0;
    private const int ReleasedState = 1;
    private const int LeakedState = 2;
    private const int Abandoned = 3;

    private readonly Depot _depot;
    private readonly int _maxFrames;
    private readonly int _skipFrames;
    private readonly bool _runtimeFrames;
    private readonly ConditionalWeakTable<object, Sentinel>[] _shards = new ConditionalWeakTable<object, Sentinel>[ShardCount];
    private readonly Lock[] _shardLocks = new Lock[ShardCount];
    private readonly ConcurrentDictionary<StackHandle, Site> _sites = new();
    private readonly Lock _siteLock = new();
    private readonly Site _unstored = new(StackHandle.None);
    private readonly Meter _meter;
    private volatile bool _disposed;

    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private long _tracked;
    private long _released;
    private long _leaked;
    private long _untrackedReleases;
    private long _doubleReleases;

    /// <summary>Creates a tracker that stores creation stacks in <paramref name="depot"/>.</summary>
    /// <param name="depot">The depot for the stacks; it must outlive the tracker.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public LeakTracker(Depot depot, LeakTrackerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(depot);
        options ??= new LeakTrackerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFrames, nameof(options.MaxFrames));
        ArgumentOutOfRangeException.ThrowIfNegative(options.SkipFrames, nameof(options.SkipFrames));
        ArgumentNullException.ThrowIfNull(options.Name, nameof(options.Name));
        _depot = depot;
        _maxFrames = Math.Min(options.MaxFrames, depot.MaxFrames);
        _skipFrames = options.SkipFrames;
        _runtimeFrames = options.RuntimeFrames;
        Name = options.Name;
        for (int i = 0; i < ShardCount; i++)
        {
            _shards[i] = new ConditionalWeakTable<object, Sentinel>();
            _shardLocks[i] = new Lock();
        }

        _meter = CreateMeter(new WeakReference<LeakTracker>(this), Name);
    }

    /// <summary>Releases the metrics of a tracker that was never disposed.</summary>
    /// <remarks>While an object it tracked (released or not) is alive, the tracker stays reachable through that
    /// object's sentinel; this runs once none is left.</remarks>
    ~LeakTracker() => _meter?.Dispose(); // null when the constructor threw before creating it

    /// <summary>The tracker's name (metrics tag and report title).</summary>
    public string Name { get; }

    /// <summary>The depot holding the creation stacks.</summary>
    public Depot Depot => _depot;

    /// <summary>Starts tracking <paramref name="obj"/>, recording the calling stack as its creation stack.</summary>
    /// <param name="obj">The object; the tracker keeps no strong reference to it.</param>
    /// <returns>True when tracking started; false when the object is already tracked and outstanding (nothing
    /// changes).</returns>
    /// <exception cref="ObjectDisposedException">The tracker was disposed.</exception>
    public bool Track(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ObjectDisposedException.ThrowIf(_disposed, this);

        Span<ulong> frames = stackalloc ulong[_maxFrames];
        int count = StackCapture.CaptureBelow(frames, typeof(LeakTracker), _skipFrames, foldRuntimeFrames: !_runtimeFrames);
        StackHandle handle = count == 0 ? StackHandle.None : _depot.Save(frames[..count], SaveFlags.Get);
        Site site = handle.IsNone ? _unstored : SiteFor(handle, frames[..count]);
        var sentinel = new Sentinel(this, site, handle);

        int shard = ShardOf(obj);
        lock (_shardLocks[shard])
        {
            if (_disposed
                || (_shards[shard].TryGetValue(obj, out Sentinel? existing) && Volatile.Read(ref existing.State) == Outstanding)) // acquire: pairs with the CompareExchange in Release, Dispose and ~Sentinel
            {
                sentinel.State = Abandoned;
                GC.SuppressFinalize(sentinel);
                PutQuietly(handle);
                ObjectDisposedException.ThrowIf(_disposed, this);
                return false;
            }

            Interlocked.Increment(ref site.Tracked); // statistics only: pairs with the Volatile.Read in Site.Snapshot and GetSites
            Interlocked.Increment(ref _tracked); // statistics only: pairs with the Volatile.Read in GetCounts and the tracked instrument

            // Replaces the sentinel of an earlier, released tracking of the same object (its finalizer is suppressed).
            _shards[shard].AddOrUpdate(obj, sentinel);
        }

        return true;
    }

    /// <summary>Stops tracking <paramref name="obj"/> (its dispose path ran) and drops its stack reference.</summary>
    /// <param name="obj">The object.</param>
    /// <returns><see cref="ReleaseResult.Released"/>; <see cref="ReleaseResult.NotTracked"/> for an object this tracker
    /// never tracked (or after <see cref="Dispose"/>); <see cref="ReleaseResult.AlreadyReleased"/> for a second
    /// release. Misuse changes nothing but its counter.</returns>
    public ReleaseResult Release(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (_disposed)
        {
            return ReleaseResult.NotTracked;
        }

        if (!_shards[ShardOf(obj)].TryGetValue(obj, out Sentinel? sentinel))
        {
            Interlocked.Increment(ref _untrackedReleases); // statistics only: pairs with the Volatile.Read in GetCounts
            return ReleaseResult.NotTracked;
        }

        int previous = Interlocked.CompareExchange(ref sentinel.State, ReleasedState, Outstanding); // full fence: pairs with the CompareExchange in ~Sentinel and Dispose; one of release, leak and dispose wins and drops the reference
        if (previous != Outstanding)
        {
            if (previous == Abandoned)
            {
                return ReleaseResult.NotTracked; // the tracker was disposed meanwhile
            }

            Interlocked.Increment(ref _doubleReleases); // statistics only: pairs with the Volatile.Read in GetCounts
            return ReleaseResult.AlreadyReleased;
        }

        GC.SuppressFinalize(sentinel);
        Interlocked.Increment(ref sentinel.Site.Released); // statistics only: pairs with the Volatile.Read in Site.Snapshot
        Interlocked.Increment(ref _released); // statistics only: pairs with the Volatile.Read in GetCounts and the released instrument
        PutQuietly(sentinel.Handle);
        return ReleaseResult.Released;
    }

    /// <summary>True when <paramref name="obj"/> is tracked and not released.</summary>
    /// <param name="obj">The object.</param>
    /// <returns>Whether the object is outstanding.</returns>
    public bool IsTracked(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return _shards[ShardOf(obj)].TryGetValue(obj, out Sentinel? sentinel) && Volatile.Read(ref sentinel.State) == Outstanding; // acquire: pairs with the CompareExchange in Release, Dispose and ~Sentinel
    }

    /// <summary>The tracker's counters.</summary>
    /// <returns>A snapshot; exact once the threads using the tracker are quiet.</returns>
    public LeakTrackerCounts GetCounts()
    {
        long tracked = Volatile.Read(ref _tracked); // statistics only: pairs with the Interlocked.Increment in Track
        long released = Volatile.Read(ref _released); // statistics only: pairs with the Interlocked.Increment in Release
        long leaked = Volatile.Read(ref _leaked); // statistics only: pairs with the Interlocked.Increment in OnLeaked
        return new LeakTrackerCounts
        {
            Tracked = tracked,
            Released = released,
            Leaked = leaked,
            Outstanding = Math.Max(0, tracked - released - leaked),
            UntrackedReleases = Volatile.Read(ref _untrackedReleases), // statistics only: pairs with the Interlocked.Increment in Release
            DoubleReleases = Volatile.Read(ref _doubleReleases), // statistics only: pairs with the Interlocked.Increment in Release
        };
    }

    /// <summary>Every creation stack with its counts, most leaked first, then most outstanding.</summary>
    /// <returns>The sites, including those whose objects were all released.</returns>
    public IReadOnlyList<LeakSite> GetSites()
    {
        var sites = new List<LeakSite>(_sites.Count + 1);
        foreach (Site site in _sites.Values)
        {
            sites.Add(site.Snapshot());
        }

        if (Volatile.Read(ref _unstored.Tracked) > 0) // statistics only: pairs with the Interlocked.Increment in Track
        {
            sites.Add(_unstored.Snapshot());
        }

        sites.Sort(static (a, b) => b.Leaked != a.Leaked ? b.Leaked.CompareTo(a.Leaked) : b.Outstanding.CompareTo(a.Outstanding));
        return sites;
    }

    /// <summary>
    /// Groups leaked and outstanding objects by creation stack, largest first, as a <see cref="StackReport"/> (write it
    /// with <see cref="StackReportWriter"/>). Each entry is captioned <c>12 objects (of 40 tracked) created at:</c>;
    /// stacks past the limit or under the threshold are counted as "...and N more stacks". Values per stack: counted
    /// objects (the sort key: leaked, outstanding or both, per <see cref="LeakReportOptions.Include"/>), leaked,
    /// outstanding, tracked.
    /// </summary>
    /// <param name="options">What to include; null for the defaults (leaked and outstanding, at least 1, 16 stacks).</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException"><see cref="LeakReportOptions.Include"/> names no kind of object.</exception>
    /// <exception cref="ObjectDisposedException">The tracker was disposed.</exception>
    public StackReport GetReport(LeakReportOptions? options = null)
    {
        options ??= new LeakReportOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxStacks, nameof(options.MaxStacks));
        if ((options.Include & LeakKinds.All) == 0)
        {
            throw new ArgumentException("LeakReportOptions.Include must name leaked objects, outstanding objects or both.", nameof(options));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        bool leaked = (options.Include & LeakKinds.Leaked) != 0;
        bool outstanding = (options.Include & LeakKinds.Outstanding) != 0;

        string kind = (leaked, outstanding) switch
        {
            (true, false) => "leaked",
            (false, true) => "outstanding",
            _ => "leaked or outstanding",
        };
        ReportValueType[] valueTypes = [.. ValueTypes];
        valueTypes[0] = valueTypes[0] with { Label = kind };
        var builder = new StackReportBuilder(_depot, valueTypes, TrackingFormat.FrameSource(options.Symbolizer, options.IncludeSourceInfo));
        long shownTotal = 0;
        foreach (LeakSite site in GetSites())
        {
            long counted = (leaked ? site.Leaked : 0) + (outstanding ? site.Outstanding : 0);
            if (counted > 0)
            {
                shownTotal += counted;
                builder.Add(site.Stack, [counted, site.Leaked, site.Outstanding, site.Tracked]);
            }
        }

        LeakTrackerCounts counts = GetCounts();
        // The writers print the totals of every value (leaked, outstanding, tracked); these are the facts they cannot know.
        var properties = new Dictionary<string, string>
        {
            ["released"] = TrackingFormat.Count(counts.Released),
        };
        if (counts.UntrackedReleases > 0 || counts.DoubleReleases > 0)
        {
            properties["releases of untracked objects"] = TrackingFormat.Count(counts.UntrackedReleases);
            properties["double releases"] = TrackingFormat.Count(counts.DoubleReleases);
        }

        string title = options.Title ?? string.Create(CultureInfo.InvariantCulture,
            $"Leak report (tracker {Name}): {TrackingFormat.Count(shownTotal)} {kind} objects of {TrackingFormat.Count(counts.Tracked)} tracked");
        StackReport built = builder.Build(title, options.MaxStacks, options.MinCount, properties);

        var entries = new List<StackReportEntry>(built.Entries.Count);
        foreach (StackReportEntry entry in built.Entries)
        {
            string caption = Caption(entry.Values, leaked, outstanding);
            entries.Add(TrackingFormat.WithCaption(entry, entry.Handle.IsNone
                ? caption.Replace("created at:", "created at stacks the depot could not store (full):", StringComparison.Ordinal)
                : caption));
        }

        return built with
        {
            Entries = entries,
            Totals = [shownTotal, counts.Leaked, counts.Outstanding, counts.Tracked],
            StartTime = _created,
            Duration = DateTimeOffset.UtcNow - _created,
            PeriodType = ReportValueType.Objects,
            MainModule = TrackingFormat.MainModule,
            Period = 1, // every tracked object is counted
        };
    }

    /// <summary>The value types of <see cref="GetReport"/>, in order. The first counts the objects the report is about
    /// (leaked, outstanding or both, per <see cref="LeakReportOptions.Include"/>: objects never released) and is named
    /// as Go's <see cref="ReportValueType.LiveObjects"/> (<c>inuse_objects</c>), so that heap profile readers take it.</summary>
    public static IReadOnlyList<ReportValueType> ValueTypes { get; } =
    [
        ReportValueType.LiveObjects with { Label = "leaked or outstanding" },
        new("leaked", "count") { Label = "leaked (collected without release)" },
        new("outstanding", "count") { Label = "outstanding" },
        new("tracked", "count") { Label = "tracked" },
    ];

    /// <summary>
    /// Stops tracking: outstanding objects are forgotten (not counted as leaked), every stack reference is dropped and
    /// the metrics are removed. Later <see cref="Track"/> calls throw; <see cref="Release"/> answers
    /// <see cref="ReleaseResult.NotTracked"/>.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _meter.Dispose();
        for (int i = 0; i < ShardCount; i++)
        {
            lock (_shardLocks[i])
            {
                foreach (KeyValuePair<object, Sentinel> pair in _shards[i])
                {
                    Sentinel sentinel = pair.Value;
                    if (Interlocked.CompareExchange(ref sentinel.State, Abandoned, Outstanding) == Outstanding) // full fence: pairs with the CompareExchange in Release and ~Sentinel
                    {
                        GC.SuppressFinalize(sentinel);
                        PutQuietly(sentinel.Handle);
                    }
                }

                _shards[i].Clear();
            }
        }

        lock (_siteLock)
        {
            foreach (StackHandle handle in _sites.Keys)
            {
                PutQuietly(handle);
            }

            _sites.Clear();
        }

        GC.SuppressFinalize(this);
    }

    // Meters are registered process-wide: the callbacks reach the tracker through a weak reference (a strong one would
    // keep an undisposed tracker, and its depot, alive forever) and observe nothing once it is gone.
    private static Meter CreateMeter(WeakReference<LeakTracker> owner, string name)
    {
        var meter = new Meter(Diagnostics.DepotMetrics.MeterName);
        KeyValuePair<string, object?>[] tags = [new("tracker", name)];
        meter.CreateObservableCounter("stackdepot.objects.tracked",
            () => Observe(owner, tags, static t => Volatile.Read(ref t._tracked)), // statistics only: pairs with the Interlocked.Increment in Track
            "{object}", "Objects tracked");
        meter.CreateObservableCounter("stackdepot.objects.released",
            () => Observe(owner, tags, static t => Volatile.Read(ref t._released)), // statistics only: pairs with the Interlocked.Increment in Release
            "{object}", "Tracked objects released");
        meter.CreateObservableUpDownCounter("stackdepot.objects.outstanding",
            () => Observe(owner, tags, static t => t.GetCounts().Outstanding),
            "{object}", "Tracked objects alive and not released");
        meter.CreateObservableCounter("stackdepot.objects.leaked",
            () => Observe(owner, tags, static t => Volatile.Read(ref t._leaked)), // statistics only: pairs with the Interlocked.Increment in OnLeaked
            "{object}", "Tracked objects collected without being released");
        return meter;
    }

    private static IEnumerable<Measurement<long>> Observe(WeakReference<LeakTracker> owner, KeyValuePair<string, object?>[] tags, Func<LeakTracker, long> read) =>
        owner.TryGetTarget(out LeakTracker? tracker) ? [new Measurement<long>(read(tracker), tags)] : [];

    private static string Caption(long[] values, bool leaked, bool outstanding)
    {
        long counted = values[0], leakedCount = values[1], outstandingCount = values[2], tracked = values[3];
        string noun = counted == 1 ? "object" : "objects";
        string ofTracked = "of " + TrackingFormat.Count(tracked) + " tracked";
        if (leaked && outstanding && leakedCount > 0 && outstandingCount > 0)
        {
            return $"{TrackingFormat.Count(counted)} {noun} ({TrackingFormat.Count(leakedCount)} leaked, {TrackingFormat.Count(outstandingCount)} outstanding, {ofTracked}) created at:";
        }

        string state = leaked && (!outstanding || leakedCount > 0) ? "leaked" : "outstanding";
        return $"{TrackingFormat.Count(counted)} {state} {noun} ({ofTracked}) created at:";
    }

    private static int ShardOf(object obj) => (int)((uint)RuntimeHelpers.GetHashCode(obj) % ShardCount);

    private Site SiteFor(StackHandle handle, ReadOnlySpan<ulong> frames)
    {
        if (_sites.TryGetValue(handle, out Site? site))
        {
            return site;
        }

        lock (_siteLock)
        {
            if (_sites.TryGetValue(handle, out site))
            {
                return site;
            }

            if (_disposed)
            {
                // Dispose already dropped the sites' references (it sets _disposed before taking _siteLock): keep no
                // new one. Track sees _disposed under its shard lock and drops the caller's reference.
                return new Site(handle);
            }

            // The site holds a reference of its own, so its stack stays fetchable for reports after every object
            // created there is released. The caller's reference keeps the record alive, so this finds the same record.
            StackHandle own = _depot.Save(frames, SaveFlags.Get);
            if (own != handle)
            {
                PutQuietly(own); // cannot happen while the caller holds its reference; never keep an unpaired one
            }

            site = new Site(handle);
            _sites[handle] = site;
            return site;
        }
    }

    private void OnLeaked(Sentinel sentinel)
    {
        Interlocked.Increment(ref sentinel.Site.Leaked); // statistics only: pairs with the Volatile.Read in Site.Snapshot
        Interlocked.Increment(ref _leaked); // statistics only: pairs with the Volatile.Read in GetCounts and the leaked instrument
        PutQuietly(sentinel.Handle);
    }

    private void PutQuietly(StackHandle handle)
    {
        try
        {
            _depot.Put(handle);
        }
        catch (ObjectDisposedException)
        {
            // The depot went first (shutdown order); its records go with it.
        }
    }

    /// <summary>Counts of one creation stack; updated with interlocked operations.</summary>
    private sealed class Site(StackHandle handle)
    {
        public readonly StackHandle Handle = handle;
        public long Tracked;
        public long Released;
        public long Leaked;

        public LeakSite Snapshot()
        {
            long tracked = Volatile.Read(ref Tracked); // statistics only: pairs with the Interlocked.Increment in Track
            long released = Volatile.Read(ref Released); // statistics only: pairs with the Interlocked.Increment in Release
            long leaked = Volatile.Read(ref Leaked); // statistics only: pairs with the Interlocked.Increment in OnLeaked
            return new LeakSite(Handle, tracked, released, Math.Max(0, tracked - released - leaked), leaked);
        }
    }

    /// <summary>Attached to a tracked object; its finalizer runs when the object died without a release.</summary>
    private sealed class Sentinel(LeakTracker tracker, Site site, StackHandle handle)
    {
        public readonly Site Site = site;
        public readonly StackHandle Handle = handle;
        public int State;

        ~Sentinel()
        {
            if (Interlocked.CompareExchange(ref State, LeakedState, Outstanding) == Outstanding) // full fence: pairs with the CompareExchange in Release and Dispose
            {
                tracker.OnLeaked(this);
            }
        }
    }
}
