using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using StackDepot.Benchmarks.Data;
using StackDepot.Hashing;

namespace StackDepot.Benchmarks.Comparison;

/// <summary>
/// The hash alone, by stack depth: the depot's frame hash (<see cref="FrameHasher"/>, a multiply-fold hash over
/// 64-bit words), XXH3-64 over the same bytes, and <see cref="HashCode.AddBytes"/> (what a dictionary comparer
/// written by a user would call). 1,024 stacks of the given depth from the corpus generator, hashed in turn.
/// </summary>
[Config(typeof(ComparisonConfig))]
public class HashBenchmarks
{
    private const int Stacks = 1024;
    private ulong[] _frames = null!;
    private FrameHasher _hasher;

    [Params(8, 16, 30, 48, 64)]
    public int Depth { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        StackCorpus corpus = StackCorpus.Generate(4 * Stacks);
        var frames = new List<ulong>();
        for (int i = 0; frames.Count < Stacks * Depth; i++)
        {
            ReadOnlySpan<ulong> stack = corpus[i % corpus.Count];
            for (int f = 0; f < Depth; f++)
            {
                frames.Add(stack[f % stack.Length] + (ulong)(f / stack.Length)); // deep enough stacks, distinct frames
            }
        }

        _frames = [.. frames];
        _hasher = new FrameHasher(Stores.Contenders.HashSeed);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Stacks)]
    public ulong DepotHash()
    {
        ulong acc = 0;
        for (int i = 0; i < Stacks; i++)
        {
            acc += _hasher.Hash(_frames.AsSpan(i * Depth, Depth));
        }

        return acc;
    }

    [Benchmark(OperationsPerInvoke = Stacks)]
    public ulong Xxh3()
    {
        ulong acc = 0;
        for (int i = 0; i < Stacks; i++)
        {
            acc += XxHash3.HashToUInt64(MemoryMarshal.AsBytes(_frames.AsSpan(i * Depth, Depth)), unchecked((long)Stores.Contenders.HashSeed));
        }

        return acc;
    }

    [Benchmark(OperationsPerInvoke = Stacks)]
    public ulong HashCodeAddBytes()
    {
        ulong acc = 0;
        for (int i = 0; i < Stacks; i++)
        {
            var hash = default(HashCode);
            hash.AddBytes(MemoryMarshal.AsBytes(_frames.AsSpan(i * Depth, Depth)));
            acc += (ulong)hash.ToHashCode();
        }

        return acc;
    }
}
