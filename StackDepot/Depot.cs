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
public sealed unsafe partial class Depot : IDisposable
{
    // Where the rest of the class lives, by concern:
    //   Depot.Lookup.cs    lock-free lookups: the bucket walk, the three passes, fetching, resolving handles
    //   Depot.Insert.cs    inserting under the lock, reserving and installing pools; LockedState
    //   Depot.Release.cs   puts, pinning, freeing and unlinking
    //   Depot.Stats.cs     the statistics snapshot
    //   Depot.TestHooks.cs test-only hooks, switches and views
    private readonly DepotGeometry _geometry;
    private readonly BucketTable _table; // owns the memory _buckets points into
    private readonly uint* _buckets;
    private readonly uint _bucketMask;
    private readonly ulong _seed;
    private readonly FrameHasher _hasher;
    private readonly int _maxFrames;
    private readonly HandleLayout _layout;
    private readonly uint _slotMask;
    private readonly PersistentArena _persistent;
    private readonly RefcountedArena _refcounted;
    private readonly LockedState _locked = new();
    private readonly EpochDomain _epochs;
    private readonly GracePeriodQueue _retired;
    private readonly DepotCounters _counters = new();
    private readonly DepotTestControls _test = new();
    private readonly DepotMetrics _metrics;

    // The arenas' addressing, copied here so that resolving a record on the hot path is one table load.
    private readonly nint* _persistentPools;
    private readonly int _persistentShift;
    private readonly uint _persistentMask;
    private readonly nint* _slotPools;
    private readonly int _slotsShift;
    private readonly uint _slotsMask;
    private readonly nuint _slotWords;

    private long _pinned; // refcounted records made persistent; Interlocked
    private bool _disposed;

    /// <summary>Creates an empty depot.</summary>
    /// <param name="options">Sizing; <c>null</c> for the defaults. The depot copies what it needs.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range.</exception>
    public Depot(DepotOptions? options = null)
    {
        options ??= new DepotOptions();
        _geometry = DepotGeometry.From(options);
        Name = options.Name ?? "default";
        _maxFrames = _geometry.MaxFrames;
        _seed = options.HashSeed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        _hasher = new FrameHasher(_seed);

        _persistent = new PersistentArena(_geometry.PersistentPoolShift, _geometry.PersistentMaxPools, _locked.Lock);
        _refcounted = new RefcountedArena(_geometry.RecordWords, _geometry.SlotsPerPoolShift, _geometry.RefcountedMaxPools, _locked.Lock);
        _layout = _geometry.Layout;
        _epochs = new EpochDomain(_test);
        _retired = new GracePeriodQueue(_epochs, _locked.Lock, _test);

        _persistentPools = _persistent.Pools.Pointers;
        _persistentShift = _persistent.PoolShift;
        _persistentMask = (1u << _persistentShift) - 1;
        _slotPools = _refcounted.Pools.Pointers;
        _slotsShift = _refcounted.SlotsPerPoolShift;
        _slotsMask = (1u << _slotsShift) - 1;
        _slotWords = (nuint)_refcounted.SlotWords;
        _slotMask = _layout.SlotMask;

        _bucketMask = (uint)_geometry.TableSize - 1;
        _table = new BucketTable(_geometry.TableSize);
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

        EpochSlot slot = EpochSlotRegistry.Current;
        CounterCell counts = _counters.Of(slot.Index);
        counts.Saves++;
        if (frames.Length > _maxFrames)
        {
            frames = frames[.._maxFrames];
            counts.Truncated++;
        }

        bool get = (flags & SaveFlags.Get) != 0;
        ulong hash = _hasher.Hash(frames);
        uint bucket = (uint)(hash >> 32) & _bucketMask;
        ulong key = RecordHeader.MakeKey((uint)hash, frames.Length);

        uint found = Find(bucket, key, frames, get, slot);
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

    /// <summary>A snapshot of the depot's counters (see <see cref="DepotStats"/>).</summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ObjectDisposedException">The depot was disposed.</exception>
    public DepotStats GetStats()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        DepotStats stats = Snapshot();
        GC.KeepAlive(this);
        return stats;
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
}
