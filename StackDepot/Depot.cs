using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using StackDepot.Diagnostics;
using StackDepot.Hashing;
using StackDepot.Reclamation;
using StackDepot.Storage;
using StackDepot.Testing;

namespace StackDepot;

/// <summary>
/// A deduplicating store of stack traces: each distinct sequence of 64-bit frame ids is stored once and named
/// by a small, stable <see cref="StackHandle"/>. Built after the Linux kernel's <c>lib/stackdepot.c</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Frames.</b> <c>frames[0]</c> is the innermost (most recent) frame. A stack longer than
/// <see cref="MaxFrames"/> keeps its innermost <see cref="MaxFrames"/> frames. An empty stack saves to
/// <see cref="StackHandle.None"/>.
/// </para>
/// <para>
/// <b>Persistent and refcounted records.</b> <see cref="Save"/> without <see cref="SaveFlags.Get"/> makes a
/// persistent record, sized to its stack and never freed. With <see cref="SaveFlags.Get"/> it takes a reference on
/// a refcounted record; the <see cref="Put"/> of its last reference frees it. One stack is held by one record at a
/// time, whichever way it is saved:
/// <list type="bullet">
/// <item>saving with <c>Get</c> a stack held persistently returns the persistent handle; its later <c>Put</c> is
/// accepted and does nothing;</item>
/// <item>saving without <c>Get</c> a stack held by a refcounted record pins that record: it becomes persistent,
/// keeps its handle, and the <c>Put</c>s of the references taken on it earlier are accepted and do nothing;</item>
/// <item>a <c>Put</c> on a persistent record that no <c>Save</c> with <c>Get</c> ever returned throws
/// <see cref="InvalidOperationException"/>, as does an unbalanced <c>Put</c> (a handle whose record is already
/// freed). Neither changes anything.</item>
/// </list>
/// </para>
/// <para>
/// <b>Concurrency.</b> Every member is thread-safe. Lookups (<see cref="Save"/> hits, <see cref="TryFetch"/>) take
/// no lock; they validate a candidate record in three passes (hash and length; a reference only if the count is not
/// zero; the full frames, undoing the reference on a mismatch). Inserting and freeing take one lock. A freed record
/// is reused only after an epoch-based grace period, so a reader still walking it never sees it relinked.
/// See <c>docs/design.md</c>.
/// </para>
/// <para>
/// <b>Capacity.</b> Storage grows in pools up to <see cref="DepotOptions.CapacityBytes"/>. When full, a save
/// that needs space returns <see cref="StackHandle.None"/>, is counted in <see cref="DepotStats.Drops"/> and is
/// reported once through <see cref="DepotEventSource"/>; every stored stack stays intact.
/// </para>
/// </remarks>
public sealed unsafe class Depot : IDisposable
{
    private readonly Lock _lock = new();
    private readonly BucketTable _table; // owns the memory _buckets points into
    private readonly uint* _buckets;
    private readonly uint _bucketMask;
    private readonly ulong _seed;
    private readonly int _maxFrames;
    private readonly long _capacityBytes;
    private readonly HandleLayout _layout;
    private readonly uint _slotMask;
    private readonly PersistentArena _persistent;
    private readonly RefcountedArena _refcounted;
    private readonly DepotCounters _counters = new();

    // The arenas' addressing, copied here so that resolving a record on the hot path is one table load.
    private readonly nint* _persistentPools;
    private readonly int _persistentShift;
    private readonly uint _persistentMask;
    private readonly nint* _slotPools;
    private readonly int _slotsShift;
    private readonly uint _slotsMask;
    private readonly nuint _slotWords;
    private readonly DepotMetrics _metrics;

    // Guarded by _lock.
    private long _bytesReserved;
    private int _poolsInFlight;
    private long _inserts;
    private long _drops;
    private long _refcountedAllocations;
    private long _refcountedFrees;
    private long _reused;
    private long _safeEpoch;
    private bool _capacityReached;

    private long _pinned; // refcounted records made persistent; Interlocked
    private bool _disposed;

    /// <summary>Test-only: called at each <see cref="DepotHookPoint"/> with the record's handle value.</summary>
    internal Action<DepotHookPoint, uint>? TestHook;

    /// <summary>Test-only: protections switched off, to prove that the tests guarding them have teeth.</summary>
    internal DepotProtections DisabledProtections;

    /// <summary>
    /// True only in processes that set the runtime switch <c>StackDepot.EnableTestHooks</c> (the test project does).
    /// A static readonly field is a constant to the optimizing JIT, so elsewhere the hook and protection checks on
    /// the hot path are compiled away.
    /// </summary>
    private static readonly bool s_testHooksEnabled =
        AppContext.TryGetSwitch("StackDepot.EnableTestHooks", out bool enabled) && enabled;

    /// <summary>Creates an empty depot.</summary>
    /// <param name="options">Sizing; <c>null</c> for the defaults. The depot copies what it needs.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range.</exception>
    public Depot(DepotOptions? options = null)
    {
        options ??= new DepotOptions();
        if (options.MaxFrames is < 1 or > 65536)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxFrames, "MaxFrames must be in 1..65536.");
        }

        if (options.PoolBytes is < 4096 or > (1 << 30))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PoolBytes, "PoolBytes must be in 4 KiB..1 GiB.");
        }

        if (options.CapacityBytes < options.PoolBytes || options.CapacityBytes > (16L << 30))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.CapacityBytes, "CapacityBytes must be at least PoolBytes and at most 16 GiB.");
        }

        if (options.TableSize < 0 || options.TableSize > (1 << 26) || (options.TableSize != 0 && !BitOperations.IsPow2(options.TableSize)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TableSize, "TableSize must be 0 (automatic) or a power of two up to 2^26.");
        }

        Name = options.Name ?? "default";
        _maxFrames = options.MaxFrames;
        _capacityBytes = options.CapacityBytes;
        _seed = options.HashSeed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));

        int recordWords = RecordHeader.HeaderWords + _maxFrames;

        // Persistent pools: a power of two of words holding at least four of the largest records.
        int persistentPoolWords = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(options.PoolBytes / sizeof(ulong), 4 * recordWords));
        int persistentShift = BitOperations.Log2((uint)persistentPoolWords);
        int persistentMaxPools = (int)Math.Max(1, _capacityBytes / ((long)persistentPoolWords * sizeof(ulong)));
        _persistent = new PersistentArena(persistentShift, persistentMaxPools);

        // Refcounted pools: a power of two of fixed-size slots, about PoolBytes each.
        int slotsPerPool = (int)Math.Max(1u, BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, options.PoolBytes / (recordWords * sizeof(ulong)) + 1)) / 2);
        int slotsShift = BitOperations.Log2((uint)slotsPerPool);
        long slotPoolBytes = (long)recordWords * sizeof(ulong) * slotsPerPool;
        int refcountedMaxPools = (int)Math.Max(1, _capacityBytes / slotPoolBytes);
        _refcounted = new RefcountedArena(recordWords, slotsShift, refcountedMaxPools);
        _layout = new HandleLayout(_refcounted.MaxSlots);
        _persistentPools = _persistent.Pools.Pointers;
        _persistentShift = _persistent.PoolShift;
        _persistentMask = (1u << _persistentShift) - 1;
        _slotPools = _refcounted.Pools.Pointers;
        _slotsShift = _refcounted.SlotsPerPoolShift;
        _slotsMask = (1u << _slotsShift) - 1;
        _slotWords = (nuint)_refcounted.SlotWords;
        _slotMask = _layout.SlotMask;

        int tableSize = options.TableSize != 0
            ? options.TableSize
            : (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((ulong)(_capacityBytes / 256)), 1UL << 12, 1UL << 22);
        _bucketMask = (uint)tableSize - 1;
        _table = new BucketTable(tableSize);
        _buckets = _table.Buckets;

        _metrics = new DepotMetrics(Name, this);
    }

    /// <summary>Releases the metrics of a depot that was never disposed.</summary>
    ~Depot() => _metrics?.Dispose(); // null when the constructor threw before creating them

    /// <summary>Largest number of frames a stored stack keeps.</summary>
    public int MaxFrames => _maxFrames;

    /// <summary>The depot's name (the <c>depot</c> tag of its metrics).</summary>
    public string Name { get; }

    /// <summary>Bits of a refcounted handle that check its generation: a handle used after its last
    /// <see cref="Put"/> is recognized unless its slot was freed an exact multiple of 2^bits times since.</summary>
    public int HandleGenerationBits => _layout.GenerationBits;

    /// <summary>
    /// Stores a stack once and returns its handle. Saving an equal stack again returns the same handle while its
    /// record lives.
    /// </summary>
    /// <param name="frames">Frame ids, innermost first. Only the first <see cref="MaxFrames"/> are kept.</param>
    /// <param name="flags"><see cref="SaveFlags.Get"/> to take a reference (pair it with <see cref="Put"/>);
    /// <see cref="SaveFlags.None"/> for a persistent record.</param>
    /// <returns>The stack's handle; <see cref="StackHandle.None"/> for an empty stack, or when the depot is full
    /// (counted in <see cref="DepotStats.Drops"/>).</returns>
    /// <exception cref="ObjectDisposedException">The depot was disposed.</exception>
    public StackHandle Save(ReadOnlySpan<ulong> frames, SaveFlags flags = SaveFlags.None)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (frames.IsEmpty)
        {
            return StackHandle.None;
        }

        EpochSlot slot = OwnSlot();
        CounterCell counts = _counters.Of(slot.Index);
        counts.Saves++;
        if (frames.Length > _maxFrames)
        {
            frames = frames[.._maxFrames];
            counts.Truncated++;
        }

        bool get = (flags & SaveFlags.Get) != 0;
        ulong hash = FrameHasher.Hash(frames, _seed);
        uint bucket = (uint)(hash >> 32) & _bucketMask;
        ulong key = RecordHeader.MakeKey((uint)hash, frames.Length);

        uint found;
        try
        {
            found = Find(bucket, key, frames, get, slot); // announces an epoch before it touches a refcounted record
        }
        finally
        {
            Volatile.Write(ref slot.Epoch, 0); // release: every read of the section happens before; pairs with the Volatile.Read in EpochDomain.SafeEpoch
        }

        if (found != 0)
        {
            counts.Hits++;
            GC.KeepAlive(this); // the storage behind the raw pointers read above lives as long as this depot
            return new StackHandle(found);
        }

        StackHandle inserted = Insert(bucket, key, frames, get, counts);
        GC.KeepAlive(this);
        return inserted;
    }

    /// <summary>Copies the frames of a stack into <paramref name="destination"/>.</summary>
    /// <param name="handle">A handle returned by <see cref="Save"/> on this depot.</param>
    /// <param name="destination">Where to copy the frames, innermost first.</param>
    /// <param name="frameCount">The stack's length when the handle is live (also when
    /// <paramref name="destination"/> is too short, so the caller can retry); 0 otherwise.</param>
    /// <returns>True when the frames were copied. False for <see cref="StackHandle.None"/>, a stale handle (used
    /// after its last <see cref="Put"/>), a forged handle, or a destination shorter than the stack. A false answer
    /// never leaves another stack's frames in <paramref name="destination"/>.</returns>
    /// <exception cref="ObjectDisposedException">The depot was disposed.</exception>
    public bool TryFetch(StackHandle handle, Span<ulong> destination, out int frameCount)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool fetched = TryFetchCore(handle, destination, out frameCount);
        GC.KeepAlive(this); // the storage behind the raw pointers lives as long as this depot
        return fetched;
    }

    private bool TryFetchCore(StackHandle handle, Span<ulong> destination, out int frameCount)
    {
        frameCount = 0;
        uint value = handle.Value;
        if (value == 0)
        {
            return false;
        }

        if (!HandleLayout.IsRefcounted(value))
        {
            // Persistent records never change once published; no read section is needed.
            ulong* persistent = _persistent.TryResolveChecked(value, _maxFrames);
            return persistent != null && CopyOut(persistent, destination, out frameCount);
        }

        ulong* record = _refcounted.TryResolveChecked(value & _slotMask);
        if (record == null)
        {
            return false;
        }

        EpochSlot slot = OwnSlot();
        Interlocked.Exchange(ref slot.Epoch, EpochDomain.Now); // full fence: while announced, a record freed after the check below cannot be reused under the copy; pairs with EpochDomain.Advance
        try
        {
            long state = Volatile.Read(ref RecordHeader.State(record)); // acquire: pairs with the release in InitRecord and FreeRecord
            if (RecordHeader.CountOf(state) == 0 || !_layout.GenerationMatches(value, RecordHeader.TagOf(state)))
            {
                return false;
            }

            Hook?.Invoke(DepotHookPoint.FetchInSection, value);
            return CopyOut(record, destination, out frameCount);
        }
        finally
        {
            Volatile.Write(ref slot.Epoch, 0); // release: the copy happens before; pairs with the Volatile.Read in EpochDomain.SafeEpoch
        }
    }

    /// <summary>Returns a copy of a stack's frames, innermost first.</summary>
    /// <param name="handle">A handle returned by <see cref="Save"/> on this depot.</param>
    /// <returns>A new array with the frames.</returns>
    /// <exception cref="ArgumentException">The handle is <see cref="StackHandle.None"/>, stale (used after its last
    /// <see cref="Put"/>), forged, or from another depot.</exception>
    /// <exception cref="ObjectDisposedException">The depot was disposed.</exception>
    public ulong[] Fetch(StackHandle handle)
    {
        if (handle.IsNone)
        {
            throw new ArgumentException("StackHandle.None names no stack.", nameof(handle));
        }

        Span<ulong> buffer = _maxFrames <= 256 ? stackalloc ulong[_maxFrames] : new ulong[_maxFrames];
        if (!TryFetch(handle, buffer, out int count))
        {
            throw new ArgumentException(
                $"Handle {handle} does not name a live stack in depot '{Name}': it is stale (used after its last Put), forged, or from another depot.",
                nameof(handle));
        }

        return buffer[..count].ToArray();
    }

    /// <summary>
    /// Drops a reference taken by a <see cref="Save"/> with <see cref="SaveFlags.Get"/>. The last one frees the
    /// record; its handle then becomes stale. <see cref="StackHandle.None"/> is accepted and ignored (a save that
    /// was dropped returns it), as is the put of a reference on a record that has since been made persistent.
    /// </summary>
    /// <param name="handle">The handle the save returned.</param>
    /// <exception cref="InvalidOperationException">An unbalanced put (the record was already freed: a second put,
    /// or a put after the last one), or a put on a persistent record that no save with <c>Get</c> returned.
    /// Nothing is changed.</exception>
    /// <exception cref="ArgumentException">The handle does not name a record of this depot.</exception>
    /// <exception cref="ObjectDisposedException">The depot was disposed.</exception>
    public void Put(StackHandle handle)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        PutCore(handle);
        GC.KeepAlive(this); // the storage behind the raw pointers lives as long as this depot
    }

    private void PutCore(StackHandle handle)
    {
        uint value = handle.Value;
        if (value == 0)
        {
            return;
        }

        if (!HandleLayout.IsRefcounted(value))
        {
            ulong* persistent = _persistent.TryResolveChecked(value, _maxFrames);
            if (persistent == null)
            {
                throw Refused<ArgumentException>(handle, "it does not name a stack in this depot (forged, or from another depot)");
            }

            long persistentState = Volatile.Read(ref RecordHeader.State(persistent)); // acquire: pairs with the Interlocked.Or in MarkHandedOutWithGet
            if ((RecordHeader.TagOf(persistentState) & RecordHeader.FlagHandedOutWithGet) == 0)
            {
                throw Refused<InvalidOperationException>(handle, "it names a persistent record saved without SaveFlags.Get, so there is no reference to drop");
            }

            _counters.Of(EpochDomain.Current.Index).Puts++;
            return;
        }

        ulong* record = _refcounted.TryResolveChecked(value & _slotMask);
        if (record == null)
        {
            throw Refused<ArgumentException>(handle, "it does not name a stack in this depot (forged, or from another depot)");
        }

        if (Release(value, record) == ReleaseOutcome.Stale)
        {
            throw Refused<InvalidOperationException>(handle, "unbalanced put: its record was already freed (a second put, or a put after the last one)");
        }

        _counters.Of(EpochDomain.Current.Index).Puts++;
    }

    /// <summary>A snapshot of the depot's counters (see <see cref="DepotStats"/>).</summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ObjectDisposedException">The depot was disposed.</exception>
    public DepotStats GetStats()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Hook?.Invoke(DepotHookPoint.StatsSnapshot, 0);
        var (saves, hits, truncated, puts) = _counters.Snapshot();
        lock (_lock)
        {
            bool graceOff = (Disabled & DepotProtections.GracePeriod) != 0;
            long safe = graceOff ? long.MaxValue : EpochDomain.SafeEpoch(_counters);
            long slotBytes = (long)_refcounted.SlotWords * sizeof(ulong);
            long pinned = Volatile.Read(ref _pinned); // pairs with the Interlocked.Increment in Pin
            return new DepotStats
            {
                Pools = _persistent.Pools.CountLocked + _refcounted.Pools.CountLocked,
                BytesReserved = (_persistent.Pools.CountLocked * _persistent.Pools.PoolBytes) + (_refcounted.Pools.CountLocked * _refcounted.Pools.PoolBytes),
                BytesUsed = (_persistent.RecordWords * sizeof(ulong)) + (_refcounted.CarvedLocked * slotBytes),
                TableBytes = (long)_table.Length * sizeof(uint),
                CapacityBytes = _capacityBytes,
                PersistentRecords = _persistent.Records + pinned,
                PersistentBytes = _persistent.RecordWords * sizeof(ulong),
                RefcountedInUse = _refcountedAllocations - _refcountedFrees - pinned,
                RefcountedAllocations = _refcountedAllocations,
                RefcountedFrees = _refcountedFrees,
                Saves = saves,
                Hits = hits,
                Inserts = _inserts,
                Truncated = truncated,
                Puts = puts,
                FreeListLength = _refcounted.FreeCount,
                WaitingForGracePeriod = _refcounted.CountWaiting(safe),
                Reused = _reused,
                Drops = _drops,
                CapacityReached = _capacityReached,
            };
        }
    }

    /// <summary>Stops the depot's metrics; later calls throw <see cref="ObjectDisposedException"/>. Storage is
    /// released to the garbage collector with the depot itself.</summary>
    public void Dispose()
    {
        _disposed = true;
        _metrics.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>True once <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>Test-only: the bucket table.</summary>
    internal BucketTable Table => _table;

    /// <summary>Test-only: the hash seed in use.</summary>
    internal ulong HashSeed => _seed;

    /// <summary>Test-only: holds the insert lock until the returned scope is disposed (proves lookups take no lock).</summary>
    internal Lock.Scope HoldInsertLock() => _lock.EnterScope();

    /// <summary>Test-only: true when the handle names a refcounted (evictable) record.</summary>
    internal static bool IsRefcountedHandle(StackHandle handle) => HandleLayout.IsRefcounted(handle.Value);

    /// <summary>Test-only: the slot number of a refcounted handle.</summary>
    internal uint SlotOf(StackHandle handle) => _layout.SlotOf(handle.Value);

    /// <summary>Test-only: the generation bits of a refcounted handle.</summary>
    internal uint GenerationOf(StackHandle handle) => _layout.GenerationOf(handle.Value);

    /// <summary>Test-only: builds a refcounted handle value for a slot and generation.</summary>
    internal StackHandle MakeRefcountedHandle(uint slot, uint generation) => new(_layout.MakeRefcounted(slot, generation));

    /// <summary>Test-only: the bucket a stack hashes to.</summary>
    internal uint BucketOf(ReadOnlySpan<ulong> frames) =>
        (uint)(FrameHasher.Hash(frames.Length > _maxFrames ? frames[.._maxFrames] : frames, _seed) >> 32) & _bucketMask;

    /// <summary>Test-only: handle values of the records linked in a bucket, head first (taken under the lock).</summary>
    internal List<uint> ChainOf(uint bucket)
    {
        var chain = new List<uint>();
        lock (_lock)
        {
            for (uint value = _buckets[bucket]; value != 0; value = RecordHeader.Next(Resolve(value)))
            {
                chain.Add(value);
            }
        }

        return chain;
    }

    /// <summary>Test-only: the current reference count of a refcounted handle's slot (saturated = uint.MaxValue).</summary>
    internal uint CountOf(StackHandle handle) =>
        RecordHeader.CountOf(Volatile.Read(ref RecordHeader.State(Resolve(handle.Value)))); // acquire: pairs with the CAS in TryAcquire/Release

    private Action<DepotHookPoint, uint>? Hook
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_testHooksEnabled ? TestHook : null;
    }

    private DepotProtections Disabled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_testHooksEnabled ? DisabledProtections : DepotProtections.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private EpochSlot OwnSlot()
    {
        EpochSlot slot = EpochDomain.Current;
        if (!ReferenceEquals(slot.Owner, _counters))
        {
            slot.Owner = _counters; // a plain store outside any read section: the announcement that follows publishes it
        }

        return slot;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* Resolve(uint value) =>
        HandleLayout.IsRefcounted(value) ? ResolveSlot(value & _slotMask) : ResolveLocation(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* ResolveSlot(uint slot) =>
        (ulong*)_slotPools[slot >> _slotsShift] + ((slot & _slotsMask) * _slotWords);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* ResolveLocation(uint location) =>
        (ulong*)_persistentPools[location >> _persistentShift] + (location & _persistentMask);

    private static bool CopyOut(ulong* record, Span<ulong> destination, out int frameCount)
    {
        int size = RecordHeader.SizeOf(RecordHeader.Key(record));
        frameCount = size;
        if (destination.Length < size)
        {
            return false;
        }

        new ReadOnlySpan<ulong>(RecordHeader.Frames(record), size).CopyTo(destination);
        return true;
    }

    /// <summary>
    /// Walks one bucket. Lock-free when <paramref name="reader"/> is the calling thread's slot: records reached
    /// through refcounted links are read only inside a read section, which this method opens (the caller closes
    /// it). Under the insert lock <paramref name="reader"/> is null: no record can be unlinked or reused by another
    /// thread then, so no section is needed.
    /// </summary>
    private uint Find(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get, EpochSlot? reader)
    {
        Action<DepotHookPoint, uint>? hook = Hook;
        bool inSection = reader is null;
    Walk:
        uint value = Volatile.Read(ref _buckets[bucket]); // acquire: pairs with the Volatile.Write that publishes (InitRecord) or unlinks (Unlink) a record
        while (value != 0)
        {
            if (!inSection && HandleLayout.IsRefcounted(value))
            {
                // Persistent records are never unlinked, freed or changed once published, so a prefix of them is
                // walked without announcing anything. A refcounted record may be freed and reused at any time: announce
                // first, then walk again from the head, because the link just read was read unprotected (its record
                // may already be free, past its grace period and reused).
                hook?.Invoke(DepotHookPoint.LookupBeforeAnnounce, value);
                Interlocked.Exchange(ref reader!.Epoch, EpochDomain.Now); // full fence: announce before reading a refcounted record; pairs with EpochDomain.Advance in FreeRecord and SafeEpoch
                inSection = true;
                if ((Disabled & DepotProtections.RestartAfterAnnounce) == 0)
                {
                    goto Walk;
                }

                // Broken variant (test-only): carries on from the link read before the announcement.
            }

            ulong* record = Resolve(value);
            hook?.Invoke(DepotHookPoint.LookupVisitRecord, value);

            // Pass 1: hash and length, one 64-bit read of a word that is immutable while the record is linked.
            uint matched = value;
            if (RecordHeader.Key(record) == key && TryMatch(ref matched, record, key, frames, get, hook))
            {
                return matched;
            }

            // An unlinked record keeps its link, so a reader standing on it walks on; the grace period keeps it
            // from being relinked elsewhere while this reader is in its section.
            value = Volatile.Read(ref RecordHeader.Next(record)); // acquire: pairs with the Volatile.Write of a link in InitRecord and Unlink
        }

        return 0;
    }

    /// <summary>Passes 2 and 3 for a record whose hash and length matched. On success <paramref name="value"/> is
    /// the handle of the record the reference was taken on.</summary>
    private bool TryMatch(ref uint value, ulong* record, ulong key, ReadOnlySpan<ulong> frames, bool get, Action<DepotHookPoint, uint>? hook)
    {
        hook?.Invoke(DepotHookPoint.LookupAfterHashMatch, value);

        // Pass 2: a refcounted record is used only under a reference taken while its count is not zero (zero
        // means its last Put is unlinking it). Persistent and pinned records are never freed: no reference needed.
        bool referenced = false;
        if (HandleLayout.IsRefcounted(value))
        {
            AcquireOutcome acquired = TryAcquire(record, out uint generation);
            if (acquired == AcquireOutcome.Failed)
            {
                return false;
            }

            referenced = acquired == AcquireOutcome.Referenced;

            // The reference went to whatever the slot holds now, which is not the record of pass 1 if that one was
            // freed and its slot reused since. From here on, name the record referenced: the undo below must
            // release it (a put with the stale handle would be refused and leak the reference), and a match must
            // return its handle, not the stale one read in the chain.
            value = _layout.MakeRefcounted(_layout.SlotOf(value), generation);
        }

        hook?.Invoke(DepotHookPoint.LookupAfterReference, value);

        // Pass 3: the full compare, now that the record cannot be freed under us. Pass 1 may have seen a record
        // that was since freed and reused for another stack.
        bool same = (Disabled & DepotProtections.FinalCompare) != 0
            || (RecordHeader.Key(record) == key
                && new ReadOnlySpan<ulong>(RecordHeader.Frames(record), frames.Length).SequenceEqual(frames));
        if (!same)
        {
            if (referenced)
            {
                Release(value, record); // undo; frees the record if that was its last reference
            }

            return false;
        }

        if (referenced && !get)
        {
            Pin(record); // a persistent save of a refcounted stack: the record becomes persistent, our reference included
        }
        else if (get && !HandleLayout.IsRefcounted(value))
        {
            MarkHandedOutWithGet(record);
        }

        return true;
    }

    /// <summary>Pass 2. <paramref name="generation"/> is the generation of the record the outcome applies to.</summary>
    private AcquireOutcome TryAcquire(ulong* record, out uint generation)
    {
        ref long state = ref RecordHeader.State(record);
        if ((Disabled & DepotProtections.IncrementNotZero) != 0)
        {
            // Broken variant (test-only): increments even a zero count, resurrecting a record being freed.
            generation = RecordHeader.TagOf(Interlocked.Increment(ref state)); // full fence: pairs with the CAS in Release (deliberately unconditional here)
            return AcquireOutcome.Referenced;
        }

        long seen = Volatile.Read(ref state); // acquire: pairs with the release in InitRecord and FreeRecord, and the CAS in Release
        while (true)
        {
            generation = RecordHeader.TagOf(seen);
            uint count = RecordHeader.CountOf(seen);
            if (count == RecordHeader.Saturated)
            {
                return AcquireOutcome.Saturated;
            }

            if (count == 0)
            {
                return AcquireOutcome.Failed;
            }

            long prior = Interlocked.CompareExchange(ref state, seen + 1, seen); // full fence: pairs with the CAS in Release and Pin; fails if the count or generation moved
            if (prior == seen)
            {
                if (count + 1 == RecordHeader.Saturated)
                {
                    Interlocked.Increment(ref _pinned); // pairs with the Volatile.Read in GetStats; an overflowing count saturates (pins), as in the kernel
                    return AcquireOutcome.Saturated;
                }

                return AcquireOutcome.Referenced;
            }

            seen = prior;
        }
    }

    /// <summary>Drops one reference. Frees the record when it was the last.</summary>
    private ReleaseOutcome Release(uint value, ulong* record)
    {
        Action<DepotHookPoint, uint>? hook = Hook;
        ref long state = ref RecordHeader.State(record);
        long seen = Volatile.Read(ref state); // acquire: pairs with the CAS in TryAcquire and the release in InitRecord and FreeRecord
        while (true)
        {
            uint count = RecordHeader.CountOf(seen);
            if (count == 0 || !_layout.GenerationMatches(value, RecordHeader.TagOf(seen)))
            {
                return ReleaseOutcome.Stale;
            }

            if (count == RecordHeader.Saturated)
            {
                return ReleaseOutcome.Pinned;
            }

            hook?.Invoke(DepotHookPoint.PutAfterRead, value);
            if ((Disabled & DepotProtections.AtomicPut) != 0)
            {
                // Broken variant (test-only): a read-modify-write without a CAS loses concurrent updates.
                Volatile.Write(ref state, seen - 1); // release: pairs with nothing on purpose; this is the lost-update bug
                return count == 1 ? FreeRecord(value, record) : ReleaseOutcome.Dropped;
            }

            // The generation shares the word with the count, so a stale put fails here instead of decrementing a
            // reused record.
            long prior = Interlocked.CompareExchange(ref state, seen - 1, seen); // full fence: pairs with the CAS in TryAcquire and Pin
            if (prior == seen)
            {
                return count == 1 ? FreeRecord(value, record) : ReleaseOutcome.Dropped;
            }

            seen = prior;
        }
    }

    private void Pin(ulong* record)
    {
        ref long state = ref RecordHeader.State(record);
        long seen = Volatile.Read(ref state); // acquire: pairs with the CAS in TryAcquire and Release
        while (RecordHeader.CountOf(seen) != RecordHeader.Saturated)
        {
            long pinned = RecordHeader.MakeState(RecordHeader.TagOf(seen), RecordHeader.Saturated);
            long prior = Interlocked.CompareExchange(ref state, pinned, seen); // full fence: pairs with the CAS in TryAcquire and Release; our reference keeps the count above zero
            if (prior == seen)
            {
                Interlocked.Increment(ref _pinned); // pairs with the Volatile.Read in GetStats
                return;
            }

            seen = prior;
        }
    }

    private static void MarkHandedOutWithGet(ulong* record)
    {
        ref long state = ref RecordHeader.State(record);
        if ((RecordHeader.TagOf(Volatile.Read(ref state)) & RecordHeader.FlagHandedOutWithGet) == 0) // acquire: pairs with the Interlocked.Or below (done once per record)
        {
            Interlocked.Or(ref state, (long)RecordHeader.FlagHandedOutWithGet << 32); // full fence: pairs with the Volatile.Read in Put
        }
    }

    /// <summary>Unlinks a record whose count reached zero and queues its slot for reuse after a grace period.</summary>
    private ReleaseOutcome FreeRecord(uint value, ulong* record)
    {
        lock (_lock)
        {
            Unlink(value, record);

            // Bump the generation now: from here on, stale handles and stale puts no longer match.
            uint generation = RecordHeader.TagOf(RecordHeader.State(record));
            Volatile.Write(ref RecordHeader.State(record), RecordHeader.MakeState(generation + 1, 0)); // release: pairs with the acquire reads in TryFetch, TryAcquire and Release

            // The stamp is taken after the unlink with a full fence: a reader that announces an epoch >= stamp read
            // the epoch after this increment and so sees the unlink (see EpochDomain).
            long stamp = (Disabled & DepotProtections.GracePeriod) != 0 ? 0 : EpochDomain.Advance();
            _refcounted.AddFree(value & _slotMask, stamp);
            _refcountedFrees++;
            Hook?.Invoke(DepotHookPoint.AfterFree, value);
        }

        return ReleaseOutcome.Freed;
    }

    /// <summary>Removes a record from its bucket. Caller holds the lock.</summary>
    private void Unlink(uint value, ulong* record)
    {
        var frames = new ReadOnlySpan<ulong>(RecordHeader.Frames(record), RecordHeader.SizeOf(RecordHeader.Key(record)));
        uint bucket = (uint)(FrameHasher.Hash(frames, _seed) >> 32) & _bucketMask;
        ref uint link = ref _buckets[bucket];
        while (link != value)
        {
            if (link == 0)
            {
                throw new InvalidOperationException($"StackDepot '{Name}': internal error, record {value:x8} is not linked in its bucket.");
            }

            link = ref RecordHeader.Next(Resolve(link));
        }

        // The unlinked record keeps its own link, so a reader standing on it can still walk the rest of the chain.
        Volatile.Write(ref link, RecordHeader.Next(record)); // release: pairs with the Volatile.Read of bucket heads and links in Find
    }

    private StackHandle Insert(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get, CounterCell counts)
    {
        Hook?.Invoke(DepotHookPoint.BeforeInsertLock, 0);
        ulong[]? pool = null;
        bool poolIsPersistent = false;
        while (true)
        {
            InsertOutcome outcome;
            lock (_lock)
            {
                if (pool != null)
                {
                    (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).Install(pool);
                    _poolsInFlight--;
                    pool = null;
                }

                // Look again under the lock: another thread may have inserted the stack since our lock-free pass.
                // No record is unlinked or reused by another thread while we hold the lock, so no read section.
                if ((Disabled & DepotProtections.RecheckUnderLock) == 0)
                {
                    uint found = Find(bucket, key, frames, get, reader: null);
                    if (found != 0)
                    {
                        counts.Hits++;
                        return new StackHandle(found);
                    }
                }

                outcome = TryInsertLocked(bucket, key, frames, get, out uint inserted);
                switch (outcome)
                {
                    case InsertOutcome.Inserted:
                        _inserts++;
                        return new StackHandle(inserted);
                    case InsertOutcome.Full:
                        _drops++;
                        if (!_capacityReached)
                        {
                            _capacityReached = true;
                            DepotEventSource.Log.CapacityReached(Name, _capacityBytes);
                        }

                        return StackHandle.None;
                    case InsertOutcome.NeedPersistentPool:
                    case InsertOutcome.NeedRefcountedPool:
                        poolIsPersistent = outcome == InsertOutcome.NeedPersistentPool;
                        _bytesReserved += (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).PoolBytes;
                        _poolsInFlight++;
                        break;
                }
            }

            if (outcome == InsertOutcome.WaitForPool)
            {
                Thread.Yield(); // another thread is allocating the last pool the capacity allows; it installs it shortly
                continue;
            }

            // Rule: memory for a new pool is allocated outside the lock (it may run a garbage collection).
            try
            {
                pool = (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).Allocate();
            }
            catch
            {
                lock (_lock)
                {
                    _bytesReserved -= (poolIsPersistent ? _persistent.Pools : _refcounted.Pools).PoolBytes;
                    _poolsInFlight--;
                }

                throw;
            }
        }
    }

    /// <summary>Carves or reuses a record for a new stack and publishes it. Caller holds the lock.</summary>
    private InsertOutcome TryInsertLocked(uint bucket, ulong key, ReadOnlySpan<ulong> frames, bool get, out uint value)
    {
        if (get)
        {
            if (TryTakeSlot(out uint slot))
            {
                value = InitRefcounted(slot, bucket, key, frames, count: 1);
                return InsertOutcome.Inserted;
            }

            value = 0;
            return CanReservePool(_refcounted.Pools) ? InsertOutcome.NeedRefcountedPool
                : _poolsInFlight > 0 ? InsertOutcome.WaitForPool : InsertOutcome.Full;
        }

        if (_persistent.TryCarve(RecordHeader.HeaderWords + frames.Length, out uint location))
        {
            ulong* record = ResolveLocation(location);
            InitRecord(record, location, bucket, key, frames, RecordHeader.MakeState(0, RecordHeader.Saturated));
            value = location;
            return InsertOutcome.Inserted;
        }

        if (CanReservePool(_persistent.Pools))
        {
            value = 0;
            return InsertOutcome.NeedPersistentPool;
        }

        if (_poolsInFlight == 0 && TryTakeSlot(out uint fallback))
        {
            // No room for persistent pools: a free refcounted slot holds the stack, pinned from the start.
            value = InitRefcounted(fallback, bucket, key, frames, count: RecordHeader.Saturated);
            Interlocked.Increment(ref _pinned); // pairs with the Volatile.Read in GetStats
            return InsertOutcome.Inserted;
        }

        value = 0;
        return _poolsInFlight > 0 ? InsertOutcome.WaitForPool : InsertOutcome.Full;
    }

    private bool CanReservePool(PoolTable pools) =>
        pools.CanGrow && _bytesReserved + pools.PoolBytes <= _capacityBytes;

    /// <summary>The oldest freed slot if its grace period has passed, else a fresh one. Never waits.</summary>
    private bool TryTakeSlot(out uint slot)
    {
        if (_refcounted.TryPeekOldest(out long stamp)
            && ((Disabled & DepotProtections.GracePeriod) != 0
                || stamp <= _safeEpoch
                || stamp <= (_safeEpoch = EpochDomain.SafeEpoch(_counters))))
        {
            slot = _refcounted.TakeOldest();
            _reused++;
            Hook?.Invoke(DepotHookPoint.BeforeReuse, _layout.MakeRefcounted(slot, RecordHeader.TagOf(RecordHeader.State(ResolveSlot(slot)))));
            return true;
        }

        return _refcounted.TryCarveFresh(out slot);
    }

    private uint InitRefcounted(uint slot, uint bucket, ulong key, ReadOnlySpan<ulong> frames, uint count)
    {
        ulong* record = ResolveSlot(slot);
        uint generation = RecordHeader.TagOf(RecordHeader.State(record)); // bumped when the slot was freed; 0 when fresh
        uint value = _layout.MakeRefcounted(slot, generation);
        InitRecord(record, value, bucket, key, frames, RecordHeader.MakeState(generation, count));
        _refcountedAllocations++;
        return value;
    }

    /// <summary>Fills a record and publishes it at the head of its bucket. Caller holds the lock.</summary>
    private void InitRecord(ulong* record, uint value, uint bucket, ulong key, ReadOnlySpan<ulong> frames, long state)
    {
        RecordHeader.Key(record) = key;
        frames.CopyTo(new Span<ulong>(RecordHeader.Frames(record), frames.Length));
        RecordHeader.Self(record) = value;
        RecordHeader.Next(record) = _buckets[bucket];
        Volatile.Write(ref RecordHeader.State(record), state); // release: key, frames and link are visible to whoever acquires the state (TryFetch, TryAcquire, TryResolveChecked)
        Volatile.Write(ref _buckets[bucket], value); // release: publishes the record to lock-free lookups; pairs with the Volatile.Read in Find
    }

    private TException Refused<TException>(StackHandle handle, string reason)
        where TException : Exception
    {
        DepotEventSource.Log.PutRefused(Name, handle.Value, reason);
        string message = $"StackDepot '{Name}' refused Put({handle}): {reason}.";
        return (TException)(typeof(TException) == typeof(ArgumentException)
            ? new ArgumentException(message, nameof(handle))
            : (Exception)new InvalidOperationException(message));
    }

    private enum AcquireOutcome
    {
        Failed,
        Referenced,
        Saturated,
    }

    private enum ReleaseOutcome
    {
        Dropped,
        Freed,
        Pinned,
        Stale,
    }

    private enum InsertOutcome
    {
        Inserted,
        Full,
        NeedPersistentPool,
        NeedRefcountedPool,
        WaitForPool,
    }
}
