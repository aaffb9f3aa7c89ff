using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using StackDepot.Benchmarks.Data;
using StackDepot.Hashing;

namespace StackDepot.Benchmarks.Stores;

/// <summary>
/// The operations every contender offers. Implemented by small structs so that the generic loops in
/// <see cref="Loops"/> are specialized per contender: no interface or delegate call in the measured loop.
/// A handle is a <c>uint</c>: the depot's <see cref="StackHandle.Value"/>, or the <c>int</c> id a baseline stores.
/// </summary>
public interface IStoreOps
{
    /// <summary>Save without a reference (persistent): the handle of the stack, inserted if new.</summary>
    uint Save(ReadOnlySpan<ulong> frames);

    /// <summary>Save taking a reference (refcounted): pair with <see cref="Put"/>.</summary>
    uint SaveGet(ReadOnlySpan<ulong> frames);

    /// <summary>Drop a reference taken by <see cref="SaveGet"/>.</summary>
    void Put(uint handle);
}

/// <summary>Generic measured loops, specialized per contender struct.</summary>
public static class Loops
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint Save<T>(T ops, StackCorpus corpus, int[] order)
        where T : struct, IStoreOps
    {
        uint acc = 0;
        ulong[] frames = corpus.Frames;
        int[] start = corpus.Start;
        foreach (int i in order)
        {
            int s = start[i];
            acc += ops.Save(new ReadOnlySpan<ulong>(frames, s, start[i + 1] - s));
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint SaveGet<T>(T ops, StackCorpus corpus, int[] order)
        where T : struct, IStoreOps
    {
        uint acc = 0;
        ulong[] frames = corpus.Frames;
        int[] start = corpus.Start;
        foreach (int i in order)
        {
            int s = start[i];
            acc += ops.SaveGet(new ReadOnlySpan<ulong>(frames, s, start[i + 1] - s));
        }

        return acc;
    }

    /// <summary>S2: a hit that takes a reference and drops it again.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint GetPut<T>(T ops, StackCorpus corpus, int[] order)
        where T : struct, IStoreOps
    {
        uint acc = 0;
        ulong[] frames = corpus.Frames;
        int[] start = corpus.Start;
        foreach (int i in order)
        {
            int s = start[i];
            uint handle = ops.SaveGet(new ReadOnlySpan<ulong>(frames, s, start[i + 1] - s));
            ops.Put(handle);
            acc += handle;
        }

        return acc;
    }

    /// <summary>Save (or Save+Get) stacks [first, first + count) in corpus order.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static uint Fill<T>(T ops, StackCorpus corpus, int first, int count, bool get, uint[]? handles = null)
        where T : struct, IStoreOps
    {
        uint acc = 0;
        for (int i = first; i < first + count; i++)
        {
            uint handle = get ? ops.SaveGet(corpus[i]) : ops.Save(corpus[i]);
            if (handles != null)
            {
                handles[i - first] = handle;
            }

            acc += handle;
        }

        return acc;
    }
}

/// <summary>The depot: persistent saves, or refcounted saves with <see cref="SaveFlags.Get"/> and Put.</summary>
public readonly struct DepotOps(Depot depot) : IStoreOps
{
    private readonly Depot _depot = depot;

    /// <summary>The depot as configured for every scenario: room for a million refcounted stacks, so the
    /// automatic table size is 2^22 buckets (16 MiB).</summary>
    public static Depot Create(string name) => new(new DepotOptions
    {
        CapacityBytes = Contenders.DepotCapacityBytes,
        HashSeed = Contenders.HashSeed,
        Name = name,
    });

    /// <summary>The same depot with a table sized to a small working set (2^12 buckets, 16 KiB): shows what
    /// the table's size alone costs a hot lookup (one page and one cache line per bucket touched).</summary>
    public static Depot CreateSmallTable(string name) => new(new DepotOptions
    {
        CapacityBytes = Contenders.DepotCapacityBytes,
        HashSeed = Contenders.HashSeed,
        TableSize = 4096,
        Name = name,
    });

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames) => _depot.Save(frames).Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SaveGet(ReadOnlySpan<ulong> frames) => _depot.Save(frames, SaveFlags.Get).Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(uint handle) => _depot.Put(new StackHandle(handle));
}

/// <summary>
/// Baseline 1: <c>ConcurrentDictionary&lt;ulong[], int&gt;</c> with span lookups (no allocation on a hit).
/// Persistent only; see <see cref="RefCountedConcurrentStore"/> for Get/Put.
/// </summary>
public sealed class ConcurrentStore
{
    private readonly ConcurrentDictionary<ulong[], int> _map;
    private readonly ConcurrentDictionary<ulong[], int>.AlternateLookup<ReadOnlySpan<ulong>> _lookup;
    private int _next;

    /// <param name="depotHash">False (a user's choice): <see cref="FramesComparer"/> (<c>HashCode.AddBytes</c>);
    /// true: <see cref="DepotHashFramesComparer"/>, to show the hash's share of the difference.</param>
    public ConcurrentStore(bool depotHash = false)
    {
        _map = depotHash ? new(new DepotHashFramesComparer()) : new(new FramesComparer());
        _lookup = _map.GetAlternateLookup<ReadOnlySpan<ulong>>();
    }

    public int Count => _map.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames)
    {
        if (_lookup.TryGetValue(frames, out int id))
        {
            return (uint)id;
        }

        return SaveSlow(frames);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint SaveSlow(ReadOnlySpan<ulong> frames)
    {
        int id = Interlocked.Increment(ref _next);
        if (_lookup.TryAdd(frames, id))
        {
            return (uint)id;
        }

        _lookup.TryGetValue(frames, out id);
        return (uint)id;
    }
}

public readonly struct ConcurrentOps(ConcurrentStore store) : IStoreOps
{
    private readonly ConcurrentStore _store = store;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames) => _store.Save(frames);

    public uint SaveGet(ReadOnlySpan<ulong> frames) => throw new NotSupportedException();

    public void Put(uint handle) => throw new NotSupportedException();
}

/// <summary>Baseline 2: a <c>Dictionary</c> under one <see cref="Lock"/>, with span lookups.</summary>
public sealed class LockedStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong[], int> _map = new(new FramesComparer());
    private readonly Dictionary<ulong[], int>.AlternateLookup<ReadOnlySpan<ulong>> _lookup;

    public LockedStore() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<ulong>>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames)
    {
        lock (_lock)
        {
            if (!_lookup.TryGetValue(frames, out int id))
            {
                id = _map.Count + 1;
                _lookup.TryAdd(frames, id);
            }

            return (uint)id;
        }
    }
}

public readonly struct LockedOps(LockedStore store) : IStoreOps
{
    private readonly LockedStore _store = store;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames) => _store.Save(frames);

    public uint SaveGet(ReadOnlySpan<ulong> frames) => throw new NotSupportedException();

    public void Put(uint handle) => throw new NotSupportedException();
}

/// <summary>Baseline 3: a <c>Dictionary</c> guarded by a <see cref="ReaderWriterLockSlim"/> (the kernel's
/// abandoned 2023 design: every reader writes the lock's shared state).</summary>
public sealed class RwLockStore
{
    private readonly ReaderWriterLockSlim _rw = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<ulong[], int> _map = new(new FramesComparer());
    private readonly Dictionary<ulong[], int>.AlternateLookup<ReadOnlySpan<ulong>> _lookup;

    public RwLockStore() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<ulong>>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames)
    {
        _rw.EnterReadLock();
        try
        {
            if (_lookup.TryGetValue(frames, out int id))
            {
                return (uint)id;
            }
        }
        finally
        {
            _rw.ExitReadLock();
        }

        return SaveSlow(frames);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint SaveSlow(ReadOnlySpan<ulong> frames)
    {
        _rw.EnterWriteLock();
        try
        {
            if (!_lookup.TryGetValue(frames, out int id))
            {
                id = _map.Count + 1;
                _lookup.TryAdd(frames, id);
            }

            return (uint)id;
        }
        finally
        {
            _rw.ExitWriteLock();
        }
    }
}

public readonly struct RwLockOps(RwLockStore store) : IStoreOps
{
    private readonly RwLockStore _store = store;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames) => _store.Save(frames);

    public uint SaveGet(ReadOnlySpan<ulong> frames) => throw new NotSupportedException();

    public void Put(uint handle) => throw new NotSupportedException();
}

/// <summary>
/// Baseline 1, refcounted: what a user writes to free stacks nobody holds any more. A
/// <c>ConcurrentDictionary&lt;ulong[], Entry&gt;</c> found by span; the handle (an int id) maps back to its entry
/// through a second <c>ConcurrentDictionary&lt;int, Entry&gt;</c>. A hit increments the entry's count with a CAS
/// unless it is zero (dying); the Put that reaches zero removes both mappings.
/// </summary>
public sealed class RefCountedConcurrentStore
{
    private readonly ConcurrentDictionary<ulong[], Entry> _map = new(new FramesComparer());
    private readonly ConcurrentDictionary<ulong[], Entry>.AlternateLookup<ReadOnlySpan<ulong>> _lookup;
    private readonly ConcurrentDictionary<int, Entry> _byId = new();
    private int _next;

    public RefCountedConcurrentStore() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<ulong>>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SaveGet(ReadOnlySpan<ulong> frames)
    {
        if (_lookup.TryGetValue(frames, out Entry? entry) && entry.TryAcquire())
        {
            return (uint)entry.Id;
        }

        return SaveGetSlow(frames);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint SaveGetSlow(ReadOnlySpan<ulong> frames)
    {
        while (true)
        {
            if (_lookup.TryGetValue(frames, out Entry? entry))
            {
                if (entry.TryAcquire())
                {
                    return (uint)entry.Id;
                }

                Thread.Yield(); // dying: its last Put is removing it
                continue;
            }

            var created = new Entry(frames.ToArray(), Interlocked.Increment(ref _next));
            _byId[created.Id] = created;
            if (_map.TryAdd(created.Key, created))
            {
                return (uint)created.Id;
            }

            _byId.TryRemove(created.Id, out _);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(uint handle)
    {
        if (!_byId.TryGetValue((int)handle, out Entry? entry))
        {
            throw new InvalidOperationException("unbalanced put");
        }

        if (Interlocked.Decrement(ref entry.Refs) == 0)
        {
            _map.TryRemove(KeyValuePair.Create(entry.Key, entry));
            _byId.TryRemove((int)handle, out _);
        }
    }

    public sealed class Entry(ulong[] key, int id)
    {
        public readonly ulong[] Key = key;
        public readonly int Id = id;
        public int Refs = 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryAcquire()
        {
            int seen = Volatile.Read(ref Refs);
            while (seen > 0)
            {
                int prior = Interlocked.CompareExchange(ref Refs, seen + 1, seen);
                if (prior == seen)
                {
                    return true;
                }

                seen = prior;
            }

            return false;
        }
    }
}

public readonly struct RefCountedConcurrentOps(RefCountedConcurrentStore store) : IStoreOps
{
    private readonly RefCountedConcurrentStore _store = store;

    public uint Save(ReadOnlySpan<ulong> frames) => throw new NotSupportedException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SaveGet(ReadOnlySpan<ulong> frames) => _store.SaveGet(frames);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(uint handle) => _store.Put(handle);
}

/// <summary>
/// Baseline 2, refcounted: a <c>Dictionary&lt;ulong[], int&gt;</c> (stack to id) and a list of entries indexed by
/// id (ids of freed entries are recycled), all under one <see cref="Lock"/>.
/// </summary>
public sealed class RefCountedLockedStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong[], int> _map = new(new FramesComparer());
    private readonly Dictionary<ulong[], int>.AlternateLookup<ReadOnlySpan<ulong>> _lookup;
    private readonly List<(ulong[]? Key, int Refs)> _entries = [(null, 0)]; // id 0 is "none"
    private readonly Stack<int> _freeIds = new();

    public RefCountedLockedStore() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<ulong>>();

    public uint SaveGet(ReadOnlySpan<ulong> frames)
    {
        lock (_lock)
        {
            if (_lookup.TryGetValue(frames, out int id))
            {
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_entries)[id].Refs++;
                return (uint)id;
            }

            ulong[] key = frames.ToArray();
            if (_freeIds.TryPop(out id))
            {
                _entries[id] = (key, 1);
            }
            else
            {
                id = _entries.Count;
                _entries.Add((key, 1));
            }

            _map.Add(key, id);
            return (uint)id;
        }
    }

    public void Put(uint handle)
    {
        lock (_lock)
        {
            ref (ulong[]? Key, int Refs) entry = ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_entries)[(int)handle];
            if (entry.Refs == 0)
            {
                throw new InvalidOperationException("unbalanced put");
            }

            if (--entry.Refs == 0)
            {
                _map.Remove(entry.Key!);
                entry.Key = null;
                _freeIds.Push((int)handle);
            }
        }
    }
}

public readonly struct RefCountedLockedOps(RefCountedLockedStore store) : IStoreOps
{
    private readonly RefCountedLockedStore _store = store;

    public uint Save(ReadOnlySpan<ulong> frames) => throw new NotSupportedException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SaveGet(ReadOnlySpan<ulong> frames) => _store.SaveGet(frames);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(uint handle) => _store.Put(handle);
}

/// <summary>
/// The floor: the work no store can skip on a hit. Hash the frames with the depot's hash and compare them once
/// against a stored copy, found with no table at all (same offset in a copy of the corpus). Get/Put add nothing.
/// </summary>
public readonly struct FloorOps(StackCorpus corpus, ulong[] copy) : IStoreOps
{
    private readonly StackCorpus _corpus = corpus;
    private readonly ulong[] _copy = copy;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames)
    {
        ulong hash = Contenders.Hasher.Hash(frames);
        bool same = frames.SequenceEqual(new ReadOnlySpan<ulong>(_copy, _corpus.OffsetOf(frames), frames.Length));
        return (uint)hash + (same ? 1u : 0u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SaveGet(ReadOnlySpan<ulong> frames) => Save(frames);

    public void Put(uint handle)
    {
    }
}

/// <summary>Below the floor: the depot's hash alone, to show what share of a hit it is.</summary>
public readonly struct HashOnlyOps : IStoreOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Save(ReadOnlySpan<ulong> frames) => (uint)Contenders.Hasher.Hash(frames);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint SaveGet(ReadOnlySpan<ulong> frames) => Save(frames);

    public void Put(uint handle)
    {
    }
}

/// <summary>Settings shared by every contender.</summary>
public static class Contenders
{
    /// <summary>One fixed seed for the depot, the floor and the contender that uses the depot's hash.</summary>
    public const ulong HashSeed = 0x9E37_79B9_7F4A_7C15UL;

    /// <summary>The depot's frame hash with <see cref="HashSeed"/>.</summary>
    internal static readonly FrameHasher Hasher = new(HashSeed);

    /// <summary>Room for a million refcounted records (536 bytes each at MaxFrames 64) with margin.</summary>
    public const long DepotCapacityBytes = 1L << 30;
}
