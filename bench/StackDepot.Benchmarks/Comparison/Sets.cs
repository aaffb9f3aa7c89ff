using StackDepot.Benchmarks.Data;

namespace StackDepot.Benchmarks.Comparison;

/// <summary>The data every scenario uses, generated from one fixed seed.</summary>
public static class Sets
{
    public const int HotStacks = 1024;
    public const int ColdStacks = 1_000_000;

    /// <summary>Lookups per invocation of a hit benchmark, hot or cold, so that ns/op is per stack.</summary>
    public const int LookupsPerInvoke = 1_000_000;

    public static StackCorpus Corpus(bool hot) => StackCorpus.Generate(hot ? HotStacks : ColdStacks);

    /// <summary>Hot: shuffled rounds over the 1,024 stacks; cold: one shuffled pass over the million.</summary>
    public static int[] Order(bool hot, int lookups = LookupsPerInvoke)
    {
        int count = hot ? HotStacks : ColdStacks;
        int[] order = StackCorpus.Shuffled(count, (lookups + count - 1) / count);
        return order.Length == lookups ? order : order[..lookups];
    }
}
