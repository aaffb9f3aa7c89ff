using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using StackDepot.Benchmarks.Comparison;
using StackDepot.Benchmarks.Stores;
using StackDepot.Cli.Async;
using StackDepot.Reporting;

namespace StackDepot.Benchmarks.Async;

/// <summary>
/// The work <c>stacks --async</c> does after the target is released: walk every logical stack of the async graph and
/// count the distinct ones. The graph has the shape of the test target's async scenario at scale 250 (16,509 chains:
/// 10,000 of six frames down to a semaphore, 5,000 of three down to a delay, 1,500 through 750 WhenAll promises from
/// one shared TaskCompletionSource, and a few more). Contenders for the counting, all after the same walk: the CLI's
/// path (each chain saved in a <see cref="Depot"/> through <see cref="StackReportBuilder"/>), a dictionary keyed by
/// the chain's frame names joined into one string (as <c>dumpasync --coalesce</c> groups by descriptions), and a
/// <see cref="ConcurrentDictionary{TKey,TValue}"/> keyed by the frame ids (what a user of ids would write); the walk
/// alone is the floor.
/// </summary>
[Config(typeof(ComparisonConfig))]
public class LogicalStackBenchmarks
{
    private readonly AsyncFrameTable _frames = new();
    private readonly AsyncGraph _graph = new();
    private readonly FramesComparer _comparer = new();
    private ulong _next = 0x1000;

    /// <summary>Builds the graph.</summary>
    [GlobalSetup]
    public void Setup()
    {
        ulong semaphore = _frames.Intern("[awaiting SemaphoreSlim.WaitAsync]", null);
        ulong[] semaphoreChain = [_frames.Intern("[Task.WaitAsync]", null), Method("SemaphoreSlim.WaitUntilCountOrTimeoutAsync"), Method("Customs.WaitForInspectorAsync"), Method("Customs.InspectAsync"), Method("Customs.ClearAsync")];
        for (int i = 0; i < 10_000; i++)
        {
            Chain(semaphore, semaphoreChain);
        }

        ulong delay = _frames.Intern("[awaiting Task.Delay]", null);
        for (int i = 0; i < 5_000; i++)
        {
            Chain(delay, [Method("Tides.WaitForTideAsync"), Method("Tides.SailAsync")]);
        }

        AsyncNode ledger = _graph.Add(_next += 0x40, _frames.Intern("[awaiting TaskCompletionSource<System.Int32>]", null), isAsyncMethod: false);
        for (int i = 0; i < 750; i++)
        {
            AsyncNode whenAll = _graph.Add(_next += 0x40, _frames.Intern("[Task.WhenAll]", null), isAsyncMethod: false);
            _graph.Link(whenAll, _graph.Add(_next += 0x40, Method("Audit.ReconcileAsync"), isAsyncMethod: true));
            for (int j = 0; j < 2; j++)
            {
                AsyncNode read = _graph.Add(_next += 0x40, Method("Audit.ReadLedgerAsync"), isAsyncMethod: true);
                _graph.Link(ledger, read);
                _graph.Link(read, whenAll);
            }
        }
    }

    [Benchmark(Description = "walk only (the floor)")]
    public long WalkOnly()
    {
        long frames = 0;
        Walk((ReadOnlySpan<ulong> chain, in LogicalChain _) => frames += chain.Length);
        return frames;
    }

    [Benchmark(Baseline = true, Description = "walk + Depot (StackReportBuilder)")]
    public int Depot()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 256 });
        var builder = new StackReportBuilder(depot, [ReportValueType.Tasks], _frames.Get);
        Walk((ReadOnlySpan<ulong> chain, in LogicalChain _) => builder.Add(chain));
        return builder.DistinctStacks;
    }

    [Benchmark(Description = "walk + Dictionary<string> of joined names")]
    public int NamesDictionary()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var names = new List<string>(16);
        Walk((ReadOnlySpan<ulong> chain, in LogicalChain _) =>
        {
            names.Clear();
            foreach (ulong id in chain)
            {
                names.Add(_frames.Get(id).DisplayName);
            }

            string key = string.Join('\n', names);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        });
        return counts.Count;
    }

    [Benchmark(Description = "walk + ConcurrentDictionary<ulong[]>")]
    public int IdsDictionary()
    {
        var counts = new ConcurrentDictionary<ulong[], long>(_comparer);
        ConcurrentDictionary<ulong[], long>.AlternateLookup<ReadOnlySpan<ulong>> lookup = counts.GetAlternateLookup<ReadOnlySpan<ulong>>();
        Walk((ReadOnlySpan<ulong> chain, in LogicalChain _) =>
        {
            if (lookup.TryGetValue(chain, out long count))
            {
                lookup[chain] = count + 1;
            }
            else
            {
                counts[chain.ToArray()] = 1;
            }
        });
        return counts.Count;
    }

    private void Walk(LogicalChainSink sink) => new LogicalChainWalker(_frames, 256, 1_000_000).Walk(_graph, sink);

    private ulong Method(string name) => _frames.Intern("Harbor." + name + "() (await state 0)", "Harbor");

    private void Chain(ulong leafFrame, ulong[] outward)
    {
        AsyncNode previous = _graph.Add(_next += 0x40, leafFrame, isAsyncMethod: false);
        foreach (ulong frame in outward)
        {
            AsyncNode next = _graph.Add(_next += 0x40, frame, isAsyncMethod: AsyncFrameTable.Owns(frame) && !_frames.Get(frame).Name.StartsWith('['));
            _graph.Link(previous, next);
            previous = next;
        }
    }
}
