using System.Collections.Concurrent;
using StackDepot.Testing;
using StackDepot.Tests.Core;

namespace StackDepot.Tests.Concurrency;

/// <summary>
/// The race scenarios park threads inside the depot; they run one at a time (other test classes still run in
/// parallel with them: epoch reader slots are filtered per depot, so nothing here blocks another depot).
/// </summary>
[CollectionDefinition(Name)]
public sealed class DepotRacesCollection
{
    public const string Name = "Depot races";
}

/// <summary>Timeouts for every wait in the race tests: generous (a loaded 2-core machine), never a sleep.</summary>
internal static class RaceTimeouts
{
    /// <summary>How long a test waits for a thread to reach a hook point or to finish.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary>How long a parked thread waits to be released before it gives up (and the test fails).</summary>
    public static readonly TimeSpan Park = TimeSpan.FromSeconds(60);
}

/// <summary>One event seen by the test hook.</summary>
internal readonly record struct HookEvent(Thread Thread, DepotHookPoint Point, uint Value);

/// <summary>
/// Parks one thread, once, at one hook point (optionally only for a given record) until the test releases it.
/// </summary>
internal sealed class Park
{
    private readonly Thread _thread;
    private readonly DepotHookPoint _point;
    private readonly Func<uint, bool> _match;
    private readonly ManualResetEventSlim _arrived = new();
    private readonly ManualResetEventSlim _released = new();
    private int _fired;

    public Park(Thread thread, DepotHookPoint point, Func<uint, bool>? match, string what)
    {
        _thread = thread;
        _point = point;
        _match = match ?? (_ => true);
        What = what;
    }

    public string What { get; }

    /// <summary>The handle value the hook passed when the thread parked.</summary>
    public uint Value { get; private set; }

    /// <summary>True if the parked thread gave up waiting (the test then fails).</summary>
    public bool TimedOut { get; private set; }

    public bool HasArrived => _arrived.IsSet;

    public void OnHook(DepotHookPoint point, uint value)
    {
        if (point != _point || !ReferenceEquals(Thread.CurrentThread, _thread) || !_match(value)
            || Interlocked.CompareExchange(ref _fired, 1, 0) != 0)
        {
            return;
        }

        Value = value;
        _arrived.Set();
        if (!_released.Wait(RaceTimeouts.Park))
        {
            TimedOut = true;
        }
    }

    /// <summary>Waits until the thread is parked; fails the test with a clear message if it never gets there.</summary>
    public void WaitArrived()
    {
        Assert.True(_arrived.Wait(RaceTimeouts.Step), $"timed out waiting for {What} (hook point {_point})");
    }

    public void Release() => _released.Set();
}

/// <summary>
/// The depot's test hook for one scenario: records every event and parks threads where told. Dispose releases
/// every parked thread (call it in a finally, or with <c>using</c>) and removes the hook.
/// </summary>
internal sealed class HookScript : IDisposable
{
    private readonly Depot _depot;
    private readonly List<Park> _parks = [];
    private readonly List<Action<DepotHookPoint, uint>> _actions = [];

    public HookScript(Depot depot)
    {
        _depot = depot;
        depot.TestHook = OnHook;
    }

    public ConcurrentQueue<HookEvent> Events { get; } = new();

    public Park Park(Thread thread, DepotHookPoint point, string what, Func<uint, bool>? match = null)
    {
        var park = new Park(thread, point, match, what);
        lock (_parks)
        {
            _parks.Add(park);
        }

        return park;
    }

    /// <summary>Adds an action run at every hook (on the operating thread). Add before the threads start.</summary>
    public void OnEvery(Action<DepotHookPoint, uint> action) => _actions.Add(action);

    public List<HookEvent> EventsOf(Thread thread, DepotHookPoint point) =>
        Events.Where(e => ReferenceEquals(e.Thread, thread) && e.Point == point).ToList();

    public void Dispose()
    {
        lock (_parks)
        {
            foreach (Park park in _parks)
            {
                park.Release();
            }
        }

        _depot.TestHook = null;
    }

    private void OnHook(DepotHookPoint point, uint value)
    {
        Events.Enqueue(new HookEvent(Thread.CurrentThread, point, value));
        foreach (Action<DepotHookPoint, uint> action in _actions)
        {
            action(point, value);
        }

        Park[] parks;
        lock (_parks)
        {
            parks = [.. _parks];
        }

        foreach (Park park in parks)
        {
            park.OnHook(point, value);
        }
    }
}

/// <summary>
/// The scene of the relink races: bucket A = [R, X] (R in front, so a reader looking up X stands on R first), bucket
/// B = [Z], and Y, a stack of bucket B not saved yet (a save that wants a record there).
/// </summary>
internal sealed class RelinkScene
{
    private RelinkScene(Depot depot, bool zWithGet)
    {
        Pick = new StackPicker(depot);
        X = Pick.Any();
        A = depot.BucketOf(X);
        R = Pick.InBucket(A);
        Z = Pick.NotInBucket(A);
        B = depot.BucketOf(Z);
        Y = Pick.InBucket(B);
        Hx = depot.Save(X, SaveFlags.Get);
        Hr = depot.Save(R, SaveFlags.Get);
        Hz = depot.Save(Z, zWithGet ? SaveFlags.Get : SaveFlags.None);
        Assert.Equal(new[] { Hr.Value, Hx.Value }, depot.ChainOf(A));
        Assert.Equal(new[] { Hz.Value }, depot.ChainOf(B));
    }

    public StackPicker Pick { get; }

    public ulong[] X { get; }

    public ulong[] R { get; }

    public ulong[] Z { get; }

    public ulong[] Y { get; }

    public uint A { get; }

    public uint B { get; }

    public StackHandle Hx { get; }

    public StackHandle Hr { get; }

    public StackHandle Hz { get; }

    public static RelinkScene Create(Depot depot, bool zWithGet = false) => new(depot, zWithGet);

    /// <summary>The bucket of every record of the scene, Y's (<paramref name="hy"/>) included.</summary>
    public Dictionary<uint, uint> BucketOf(StackHandle hy) =>
        new() { [Hx.Value] = A, [Hr.Value] = A, [Hz.Value] = B, [hy.Value] = B };
}

/// <summary>
/// What a reader's lookup did in its lock-free pass (before any re-check under the insert lock), read from the hook
/// events of its thread: the records it visited, those among them that are not in its own bucket, and whether the
/// pass missed (the lookup went on to the insert lock).
/// </summary>
internal sealed record LockFreeWalk(List<uint> Visits, List<uint> ForeignVisits, bool Missed)
{
    /// <param name="script">The scenario's hook script.</param>
    /// <param name="reader">The reader's thread.</param>
    /// <param name="bucketOf">The bucket of every record the scenario made.</param>
    /// <param name="ownBucket">The bucket the reader looks in.</param>
    public static LockFreeWalk Of(HookScript script, Thread reader, IReadOnlyDictionary<uint, uint> bucketOf, uint ownBucket)
    {
        List<HookEvent> events = script.Events.Where(e => ReferenceEquals(e.Thread, reader)).ToList();
        int insertAt = events.FindIndex(e => e.Point == DepotHookPoint.BeforeInsertLock);
        List<uint> visits = events.Take(insertAt >= 0 ? insertAt : events.Count)
            .Where(e => e.Point == DepotHookPoint.LookupVisitRecord).Select(e => e.Value).ToList();
        return new LockFreeWalk(
            visits,
            visits.Where(v => !bucketOf.TryGetValue(v, out uint bucket) || bucket != ownBucket).ToList(),
            Missed: insertAt >= 0);
    }
}

/// <summary>A dedicated thread running one operation (never a pool thread: it may be parked for a while).</summary>
internal sealed class Worker<T>
{
    private readonly Func<T> _body;
    private T? _result;
    private Exception? _error;

    public Worker(string name, Func<T> body)
    {
        _body = body;
        Thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    public Thread Thread { get; }

    public Worker<T> Start()
    {
        Thread.Start();
        return this;
    }

    /// <summary>Waits for the thread; fails the test if it does not finish in time. Rethrows its exception.</summary>
    public T Join()
    {
        Assert.True(Thread.Join(RaceTimeouts.Step), $"thread '{Thread.Name}' did not finish in time");
        if (_error != null)
        {
            throw new InvalidOperationException($"thread '{Thread.Name}' failed: {_error.Message}", _error);
        }

        return _result!;
    }

    /// <summary>Waits for the thread and returns its exception, if any (for broken variants that may throw).</summary>
    public (T? Result, Exception? Error) JoinCatching()
    {
        Assert.True(Thread.Join(RaceTimeouts.Step), $"thread '{Thread.Name}' did not finish in time");
        return (_result, _error);
    }

    private void Run()
    {
        try
        {
            _result = _body();
        }
        catch (Exception e)
        {
            _error = e;
        }
    }
}

/// <summary>Picks stacks by the bucket they hash to, so scenarios know which chains they walk.</summary>
internal sealed class StackPicker(Depot depot, int depth = 8)
{
    private int _next = 1;

    public ulong[] Any() => StackGen.Stack(_next++, depth);

    public ulong[] InBucket(uint bucket) => Next(b => b == bucket);

    public ulong[] NotInBucket(uint bucket) => Next(b => b != bucket);

    private ulong[] Next(Func<uint, bool> accept)
    {
        for (int tries = 0; tries < 100_000; tries++)
        {
            ulong[] stack = StackGen.Stack(_next++, depth);
            if (accept(depot.BucketOf(stack)))
            {
                return stack;
            }
        }

        throw new InvalidOperationException("no stack found for the requested bucket");
    }
}

internal static class RaceDepots
{
    public const ulong Seed = 0x5EED_0F_5EED;

    /// <summary>A small depot with a fixed seed and a tiny table (chains of known buckets).</summary>
    public static Depot Create(DepotProtections disabled = DepotProtections.None, int table = 4, long capacity = 64 << 10)
    {
        DepotOptions options = StackGen.Small(maxFrames: 16, capacity: capacity, pool: 4096, table: table);
        options.HashSeed = Seed;
        options.Name = "races";
        return new Depot(options) { DisabledProtections = disabled };
    }

    /// <summary>The frames a handle fetches now, or null when the fetch refuses it.</summary>
    public static ulong[]? FramesOf(Depot depot, StackHandle handle)
    {
        var buffer = new ulong[depot.MaxFrames];
        return depot.TryFetch(handle, buffer, out int n) ? buffer[..n] : null;
    }

    /// <summary>Records linked in the stack's bucket whose frames equal the stack (taken at a quiet point).</summary>
    public static List<uint> RecordsHolding(Depot depot, ulong[] stack)
    {
        var holding = new List<uint>();
        foreach (uint value in depot.ChainOf(depot.BucketOf(stack)))
        {
            ulong[]? frames = FramesOf(depot, new StackHandle(value));
            if (frames != null && frames.AsSpan().SequenceEqual(stack))
            {
                holding.Add(value);
            }
        }

        return holding;
    }
}
