using BenchmarkDotNet.Attributes;
using StackDepot.Benchmarks.Data;
using StackDepot.Benchmarks.Stores;

namespace StackDepot.Benchmarks.Comparison;

/// <summary>S1: <c>Save</c> without <c>Get</c> of stacks that are already stored (persistent hits).</summary>
[Config(typeof(ComparisonConfig))]
public abstract class S1HitBase
{
    private ulong[] _copy = null!;
    private ConcurrentStore? _concurrent;
    private ConcurrentStore? _concurrentDepotHash;
    private LockedStore? _locked;
    private RwLockStore? _rwLock;

    protected StackCorpus Corpus { get; private set; } = null!;

    protected int[] Order { get; private set; } = null!;

    protected Depot? DepotUnderTest { get; set; }

    protected abstract bool Hot { get; }

    [GlobalSetup(Target = nameof(Depot))]
    public void SetupDepot()
    {
        Load();
        DepotUnderTest = DepotOps.Create("bench");
        Loops.Fill(new DepotOps(DepotUnderTest), Corpus, 0, Corpus.Count, get: false);
    }

    [GlobalSetup(Target = nameof(ConcurrentDictionary))]
    public void SetupConcurrent()
    {
        Load();
        _concurrent = new ConcurrentStore();
        Loops.Fill(new ConcurrentOps(_concurrent), Corpus, 0, Corpus.Count, get: false);
    }

    [GlobalSetup(Target = nameof(ConcurrentDictionaryDepotHash))]
    public void SetupConcurrentDepotHash()
    {
        Load();
        _concurrentDepotHash = new ConcurrentStore(depotHash: true);
        Loops.Fill(new ConcurrentOps(_concurrentDepotHash), Corpus, 0, Corpus.Count, get: false);
    }

    [GlobalSetup(Target = nameof(DictionaryUnderLock))]
    public void SetupLocked()
    {
        Load();
        _locked = new LockedStore();
        Loops.Fill(new LockedOps(_locked), Corpus, 0, Corpus.Count, get: false);
    }

    [GlobalSetup(Target = nameof(DictionaryUnderRwLock))]
    public void SetupRwLock()
    {
        Load();
        _rwLock = new RwLockStore();
        Loops.Fill(new RwLockOps(_rwLock), Corpus, 0, Corpus.Count, get: false);
    }

    [GlobalSetup(Targets = [nameof(Floor), nameof(HashOnly)])]
    public void SetupFloor()
    {
        Load();
        _copy = Corpus.CopyFrames();
    }

    [GlobalCleanup]
    public void Cleanup() => DepotUnderTest?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint Depot() => Loops.Save(new DepotOps(DepotUnderTest!), Corpus, Order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint ConcurrentDictionary() => Loops.Save(new ConcurrentOps(_concurrent!), Corpus, Order);

    /// <summary>ConcurrentDictionary with the depot's hash instead of HashCode.AddBytes: not what a user writes, but
    /// it shows the hash's share of the difference.</summary>
    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint ConcurrentDictionaryDepotHash() => Loops.Save(new ConcurrentOps(_concurrentDepotHash!), Corpus, Order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint DictionaryUnderLock() => Loops.Save(new LockedOps(_locked!), Corpus, Order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint DictionaryUnderRwLock() => Loops.Save(new RwLockOps(_rwLock!), Corpus, Order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint Floor() => Loops.Save(new FloorOps(Corpus, _copy), Corpus, Order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint HashOnly() => Loops.Save(default(HashOnlyOps), Corpus, Order);

    protected void Load()
    {
        Corpus = Sets.Corpus(Hot);
        Order = Sets.Order(Hot);
    }
}

/// <summary>S1 hot: 1,024 distinct stacks (they stay in the caches).</summary>
public class S1HitHot : S1HitBase
{
    protected override bool Hot => true;

    [GlobalSetup(Target = nameof(DepotSmallTable))]
    public void SetupDepotSmallTable()
    {
        Load();
        DepotUnderTest = DepotOps.CreateSmallTable("bench");
        Loops.Fill(new DepotOps(DepotUnderTest), Corpus, 0, Corpus.Count, get: false);
    }

    /// <summary>The depot with a table sized for a small working set (2^12 buckets instead of 2^22).</summary>
    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint DepotSmallTable() => Loops.Save(new DepotOps(DepotUnderTest!), Corpus, Order);
}

/// <summary>S1 cold: 1,000,000 distinct stacks looked up in a shuffled order (cache misses dominate).</summary>
public class S1HitCold : S1HitBase
{
    protected override bool Hot => false;
}

/// <summary>S2: a hit with <c>Get</c> followed by <c>Put</c> (every stack is already held once, so no record
/// is freed).</summary>
[Config(typeof(ComparisonConfig))]
public abstract class S2GetPutBase
{
    private StackCorpus _corpus = null!;
    private int[] _order = null!;
    private ulong[] _copy = null!;
    private Depot? _depot;
    private RefCountedConcurrentStore? _concurrent;
    private RefCountedLockedStore? _locked;

    protected abstract bool Hot { get; }

    [GlobalSetup(Target = nameof(Depot))]
    public void SetupDepot()
    {
        Load();
        _depot = DepotOps.Create("bench");
        Loops.Fill(new DepotOps(_depot), _corpus, 0, _corpus.Count, get: true);
    }

    [GlobalSetup(Target = nameof(ConcurrentDictionary))]
    public void SetupConcurrent()
    {
        Load();
        _concurrent = new RefCountedConcurrentStore();
        Loops.Fill(new RefCountedConcurrentOps(_concurrent), _corpus, 0, _corpus.Count, get: true);
    }

    [GlobalSetup(Target = nameof(DictionaryUnderLock))]
    public void SetupLocked()
    {
        Load();
        _locked = new RefCountedLockedStore();
        Loops.Fill(new RefCountedLockedOps(_locked), _corpus, 0, _corpus.Count, get: true);
    }

    [GlobalSetup(Target = nameof(Floor))]
    public void SetupFloor()
    {
        Load();
        _copy = _corpus.CopyFrames();
    }

    [GlobalCleanup]
    public void Cleanup() => _depot?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint Depot() => Loops.GetPut(new DepotOps(_depot!), _corpus, _order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint ConcurrentDictionary() => Loops.GetPut(new RefCountedConcurrentOps(_concurrent!), _corpus, _order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint DictionaryUnderLock() => Loops.GetPut(new RefCountedLockedOps(_locked!), _corpus, _order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint Floor() => Loops.GetPut(new FloorOps(_corpus, _copy), _corpus, _order);

    private void Load()
    {
        _corpus = Sets.Corpus(Hot);
        _order = Sets.Order(Hot);
    }
}

/// <summary>S2 hot: 1,024 distinct refcounted stacks.</summary>
public class S2GetPutHot : S2GetPutBase
{
    protected override bool Hot => true;
}

/// <summary>S2 cold: 1,000,000 distinct refcounted stacks in a shuffled order.</summary>
public class S2GetPutCold : S2GetPutBase
{
    protected override bool Hot => false;
}

/// <summary>
/// S3: 1,000,000 distinct stacks into an empty store, persistent and refcounted. One invocation per iteration,
/// a fresh store each time; Allocated counts every managed allocation, the depot's pinned pools included.
/// Bytes retained per stack are measured by the scenario harness (<c>--scenarios</c>).
/// </summary>
[Config(typeof(SingleShotConfig))]
public class S3Insert
{
    private StackCorpus _corpus = null!;
    private Depot? _depot;
    private ConcurrentStore? _concurrent;
    private RefCountedConcurrentStore? _refConcurrent;
    private LockedStore? _locked;
    private RefCountedLockedStore? _refLocked;
    private RwLockStore? _rwLock;

    [GlobalSetup]
    public void Setup() => _corpus = Sets.Corpus(hot: false);

    [IterationSetup]
    public void IterationSetup()
    {
        _depot?.Dispose();
        _depot = null;
        _concurrent = null;
        _refConcurrent = null;
        _locked = null;
        _refLocked = null;
        _rwLock = null;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        _depot = DepotOps.Create("bench");
        _concurrent = new ConcurrentStore();
        _refConcurrent = new RefCountedConcurrentStore();
        _locked = new LockedStore();
        _refLocked = new RefCountedLockedStore();
        _rwLock = new RwLockStore();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Sets.ColdStacks)]
    public uint DepotPersistent() => Loops.Fill(new DepotOps(_depot!), _corpus, 0, Sets.ColdStacks, get: false);

    [Benchmark(OperationsPerInvoke = Sets.ColdStacks)]
    public uint ConcurrentDictionary() => Loops.Fill(new ConcurrentOps(_concurrent!), _corpus, 0, Sets.ColdStacks, get: false);

    [Benchmark(OperationsPerInvoke = Sets.ColdStacks)]
    public uint DictionaryUnderLock() => Loops.Fill(new LockedOps(_locked!), _corpus, 0, Sets.ColdStacks, get: false);

    [Benchmark(OperationsPerInvoke = Sets.ColdStacks)]
    public uint DictionaryUnderRwLock() => Loops.Fill(new RwLockOps(_rwLock!), _corpus, 0, Sets.ColdStacks, get: false);

    [Benchmark(OperationsPerInvoke = Sets.ColdStacks)]
    public uint DepotRefcounted() => Loops.Fill(new DepotOps(_depot!), _corpus, 0, Sets.ColdStacks, get: true);

    [Benchmark(OperationsPerInvoke = Sets.ColdStacks)]
    public uint ConcurrentDictionaryRefcounted() => Loops.Fill(new RefCountedConcurrentOps(_refConcurrent!), _corpus, 0, Sets.ColdStacks, get: true);

    [Benchmark(OperationsPerInvoke = Sets.ColdStacks)]
    public uint DictionaryUnderLockRefcounted() => Loops.Fill(new RefCountedLockedOps(_refLocked!), _corpus, 0, Sets.ColdStacks, get: true);
}
