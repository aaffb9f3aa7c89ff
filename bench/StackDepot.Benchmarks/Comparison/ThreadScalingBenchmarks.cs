using BenchmarkDotNet.Attributes;
using StackDepot.Benchmarks.Data;
using StackDepot.Benchmarks.Stores;

namespace StackDepot.Benchmarks.Comparison;

/// <summary>
/// S5 in BenchmarkDotNet: hot hits (1,024 stacks, <c>Save</c> without <c>Get</c>) on one thread and on two threads
/// sharing the same store, each thread doing half of the lookups. ns/op is per lookup, so the 2-thread scaling is
/// the 1-thread time over the 2-thread time (2.0 = perfect). The second thread is started per invocation (about
/// 0.1 ms against 1,000,000 lookups).
/// </summary>
[Config(typeof(ComparisonConfig))]
public class S5TwoThreads
{
    private StackCorpus _corpus = null!;
    private int[] _order = null!;
    private int[] _firstHalf = null!;
    private int[] _secondHalf = null!;
    private Depot? _depot;
    private ConcurrentStore? _concurrent;

    [GlobalSetup(Targets = [nameof(Depot1Thread), nameof(Depot2Threads)])]
    public void SetupDepot()
    {
        Load();
        _depot = DepotOps.Create("bench");
        Loops.Fill(new DepotOps(_depot), _corpus, 0, _corpus.Count, get: false);
    }

    [GlobalSetup(Targets = [nameof(ConcurrentDictionary1Thread), nameof(ConcurrentDictionary2Threads)])]
    public void SetupConcurrent()
    {
        Load();
        _concurrent = new ConcurrentStore();
        Loops.Fill(new ConcurrentOps(_concurrent), _corpus, 0, _corpus.Count, get: false);
    }

    [GlobalCleanup]
    public void Cleanup() => _depot?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint Depot1Thread() => Loops.Save(new DepotOps(_depot!), _corpus, _order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint Depot2Threads() => TwoThreads(new DepotOps(_depot!));

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint ConcurrentDictionary1Thread() => Loops.Save(new ConcurrentOps(_concurrent!), _corpus, _order);

    [Benchmark(OperationsPerInvoke = Sets.LookupsPerInvoke)]
    public uint ConcurrentDictionary2Threads() => TwoThreads(new ConcurrentOps(_concurrent!));

    private uint TwoThreads<T>(T ops)
        where T : struct, IStoreOps
    {
        uint second = 0;
        var other = new Thread(() => second = Loops.Save(ops, _corpus, _secondHalf));
        other.Start();
        uint first = Loops.Save(ops, _corpus, _firstHalf);
        other.Join();
        return first + second;
    }

    private void Load()
    {
        _corpus = Sets.Corpus(hot: true);
        _order = Sets.Order(hot: true);
        _firstHalf = _order[..(_order.Length / 2)];
        _secondHalf = _order[(_order.Length / 2)..];
    }
}
