using System.Numerics;
using StackDepot.Hashing;

namespace StackDepot.Tests.Hashing;

/// <summary>Quality of the depot's frame hash (<see cref="WordHash"/>, behind <see cref="FrameHasher"/>).</summary>
public sealed class WordHashTests
{
    private const ulong Seed = 0x0123_4567_89AB_CDEF;

    /// <summary>Both paths of the hash: as the depot calls it (the vector path for 8-64 words where AVX2 is
    /// available), and the scalar path forced for every length.</summary>
    public static TheoryData<bool> Paths => new() { false, true };

    private static ulong HashOf(WordHash hash, ReadOnlySpan<ulong> words, bool scalar) =>
        scalar ? hash.HashScalar(words) : hash.Hash(words);

    [Theory]
    [MemberData(nameof(Paths))]
    public void Equal_stacks_hash_equal_and_length_order_and_every_word_count(bool scalar)
    {
        var hash = new WordHash(Seed);
        ulong[] x = RealisticStacks.Get(12345);
        Assert.Equal(hash.Hash(x), hash.Hash((ulong[])x.Clone()));
        Assert.Equal(hash.Hash(x), FrameHasher.Hash(x, Seed));
        Assert.Equal(hash.Hash(x), new FrameHasher(Seed).Hash(x));

        var seen = new HashSet<ulong>
        {
            HashOf(hash, [], scalar),
            HashOf(hash, [0UL], scalar),
            HashOf(hash, [0UL, 0UL], scalar),
            HashOf(hash, [1UL, 2UL], scalar),
            HashOf(hash, [2UL, 1UL], scalar),
        };
        Assert.Equal(5, seen.Count);
        for (int length = 1; length <= 80; length++)
        {
            // Every position counts, in every lane and tail: change one word, the hash changes.
            ulong[] words = new ulong[length];
            Array.Fill(words, 0x7F00_1234_5670UL);
            ulong baseline = HashOf(hash, words, scalar);
            for (int i = 0; i < length; i++)
            {
                ulong[] changed = (ulong[])words.Clone();
                changed[i] ^= 0x10;
                Assert.NotEqual(baseline, HashOf(hash, changed, scalar));
            }

            // Two different words swapped between positions change the hash (a sum over positions must not forget
            // which word was where).
            ulong[] distinct = Enumerable.Range(0, length).Select(p => 0x7F00_1234_0000UL + ((ulong)p << 4)).ToArray();
            ulong original = HashOf(hash, distinct, scalar);
            for (int i = 0; i < length; i++)
            {
                int j = (i + 4) % length;
                if (i == j)
                {
                    continue;
                }

                ulong[] swapped = (ulong[])distinct.Clone();
                (swapped[i], swapped[j]) = (swapped[j], swapped[i]);
                Assert.True(HashOf(hash, swapped, scalar) != original, $"words {i} and {j} swap without changing the hash (length {length})");
            }

            Assert.NotEqual(baseline, HashOf(hash, words.AsSpan(0, length - 1), scalar));
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(5, false)]
    [InlineData(8, false)]
    [InlineData(9, false)]
    [InlineData(11, false)]
    [InlineData(16, false)]
    [InlineData(31, false)]
    [InlineData(64, false)]
    [InlineData(65, false)]
    [InlineData(100, false)]
    [InlineData(8, true)]
    [InlineData(9, true)]
    [InlineData(16, true)]
    [InlineData(31, true)]
    [InlineData(64, true)]
    public void Flipping_any_input_bit_flips_each_output_bit_half_the_time(int length, bool scalar)
    {
        // Strict avalanche: over 1,000 realistic stacks, each (input bit, output bit) cell flips with odds in
        // 0.5 +- 0.1 (6 standard deviations). For long stacks, 256 input bits chosen at random.
        const int samples = 1000;
        var hash = new WordHash(Seed);
        var rng = new Random(length);
        int[] bits = length * 64 <= 512
            ? Enumerable.Range(0, length * 64).ToArray()
            : Enumerable.Range(0, 256).Select(_ => rng.Next(length * 64)).ToArray();
        var flips = new int[bits.Length, 64];
        var words = new ulong[length];
        Span<ulong> stack = stackalloc ulong[RealisticStacks.MaxDepth];
        for (int sample = 0; sample < samples; sample++)
        {
            int depth = RealisticStacks.Fill(rng.Next(1 << 24), stack);
            for (int i = 0; i < length; i++)
            {
                words[i] = stack[i % depth] + (ulong)(i / depth); // realistic frames, repeated with a twist past the depth
            }

            ulong baseline = HashOf(hash, words, scalar);
            for (int b = 0; b < bits.Length; b++)
            {
                words[bits[b] / 64] ^= 1UL << (bits[b] % 64);
                ulong changed = HashOf(hash, words, scalar) ^ baseline;
                words[bits[b] / 64] ^= 1UL << (bits[b] % 64);
                while (changed != 0)
                {
                    flips[b, BitOperations.TrailingZeroCount(changed)]++;
                    changed &= changed - 1;
                }
            }
        }

        for (int b = 0; b < bits.Length; b++)
        {
            for (int output = 0; output < 64; output++)
            {
                double odds = flips[b, output] / (double)samples;
                Assert.True(odds is > 0.4 and < 0.6, $"input bit {bits[b]} flips output bit {output} with odds {odds:F3}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_million_realistic_stacks_have_distinct_hashes_and_spread_evenly_over_buckets(bool scalar)
    {
        const int count = 1 << 20;
        var hash = new WordHash(Seed);
        var hashes = new ulong[count];
        Span<ulong> stack = stackalloc ulong[RealisticStacks.MaxDepth];
        for (int i = 0; i < count; i++)
        {
            hashes[i] = HashOf(hash, stack[..RealisticStacks.Fill(i, stack)], scalar);
        }

        // No two stacks share the full 64 bits (odds for a random function: about 3 in 100 million).
        ulong[] sorted = (ulong[])hashes.Clone();
        Array.Sort(sorted);
        for (int i = 1; i < count; i++)
        {
            Assert.True(sorted[i] != sorted[i - 1], $"two of a million stacks share the hash {sorted[i]:x16}");
        }

        // The high half picks one of 2^20 buckets: the share of empty buckets is e^-1 (36.8%) for a random function,
        // and no chain is long.
        var load = new int[count];
        foreach (ulong h in hashes)
        {
            load[(int)(h >> 32) & (count - 1)]++;
        }

        double empty = load.Count(l => l == 0) / (double)count;
        Assert.InRange(empty, 0.365, 0.371);
        Assert.True(load.Max() <= 14, $"a bucket holds {load.Max()} stacks");

        // The low half is the record's key check: pairs of equal low halves as for a random function
        // (n^2 / 2^33 = 128 expected, standard deviation 11).
        uint[] low = hashes.Select(h => (uint)h).ToArray();
        Array.Sort(low);
        int pairs = 0;
        for (int i = 1; i < count; i++)
        {
            pairs += low[i] == low[i - 1] ? 1 : 0;
        }

        Assert.InRange(pairs, 70, 190);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Hashes_under_two_seeds_are_unrelated(bool scalar)
    {
        const int count = 100_000;
        var one = new WordHash(Seed);
        var two = new WordHash(Seed + 1);
        var setBits = new int[64];
        var lowOne = new uint[count];
        var lowTwo = new uint[count];
        Span<ulong> stack = stackalloc ulong[RealisticStacks.MaxDepth];
        for (int i = 0; i < count; i++)
        {
            Span<ulong> frames = stack[..RealisticStacks.Fill(i * 37, stack)];
            ulong h1 = HashOf(one, frames, scalar), h2 = HashOf(two, frames, scalar);
            for (ulong x = h1 ^ h2; x != 0; x &= x - 1)
            {
                setBits[BitOperations.TrailingZeroCount(x)]++;
            }

            lowOne[i] = (uint)h1 & 0xFFFFF;
            lowTwo[i] = (uint)h2 & 0xFFFFF;
        }

        // Each output bit differs between the seeds half the time (standard deviation 0.0016).
        for (int bit = 0; bit < 64; bit++)
        {
            Assert.InRange(setBits[bit] / (double)count, 0.49, 0.51);
        }

        // Pairs of stacks whose hashes share 20 low bits under one seed (about 4,800) are no more likely to share them
        // under the other seed than any pair (expected 0.005).
        int[] order = Enumerable.Range(0, count).OrderBy(i => lowOne[i]).ToArray();
        int pairsOne = 0, pairsBoth = 0;
        for (int start = 0; start < count;)
        {
            int end = start;
            while (end < count && lowOne[order[end]] == lowOne[order[start]])
            {
                end++;
            }

            for (int i = start; i < end; i++)
            {
                for (int j = i + 1; j < end; j++)
                {
                    pairsOne++;
                    pairsBoth += lowTwo[order[i]] == lowTwo[order[j]] ? 1 : 0;
                }
            }

            start = end;
        }

        Assert.InRange(pairsOne, 4000, 5600);
        Assert.True(pairsBoth <= 3, $"{pairsBoth} of {pairsOne} colliding pairs collide under the other seed too");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Flipping_any_seed_bit_flips_each_output_bit_half_the_time(bool scalar)
    {
        const int samples = 2000;
        var flips = new int[64, 64];
        var baseline = new WordHash(Seed);
        var flipped = Enumerable.Range(0, 64).Select(bit => new WordHash(Seed ^ (1UL << bit))).ToArray();
        Span<ulong> stack = stackalloc ulong[RealisticStacks.MaxDepth];
        for (int sample = 0; sample < samples; sample++)
        {
            Span<ulong> frames = stack[..RealisticStacks.Fill(sample * 7919, stack)];
            ulong h = HashOf(baseline, frames, scalar);
            for (int bit = 0; bit < 64; bit++)
            {
                for (ulong x = h ^ HashOf(flipped[bit], frames, scalar); x != 0; x &= x - 1)
                {
                    flips[bit, BitOperations.TrailingZeroCount(x)]++;
                }
            }
        }

        for (int bit = 0; bit < 64; bit++)
        {
            for (int output = 0; output < 64; output++)
            {
                double odds = flips[bit, output] / (double)samples;
                Assert.True(odds is > 0.42 and < 0.58, $"seed bit {bit} flips output bit {output} with odds {odds:F3}");
            }
        }
    }
}
