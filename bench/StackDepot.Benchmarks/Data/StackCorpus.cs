using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StackDepot.Hashing;

namespace StackDepot.Benchmarks.Data;

/// <summary>
/// A deterministic set of distinct, realistic stacks, stored flat (one <c>ulong[]</c> of frames plus one
/// <c>int[]</c> of offsets) so that the corpus itself adds two objects, not a million, to the garbage
/// collector's work.
/// </summary>
/// <remarks>
/// <para>Shape. Each stack is a path from a root of a synthetic call tree. Eight thread entry points
/// (Main, thread-pool worker, timer, ...) are chosen with a skew; below them the fan-out grows with depth
/// (2 callees per frame at levels 1-3, 4 at levels 4-11, 16 deeper) and the callee is chosen with a
/// quadratic skew, so popular paths share their outer frames the way real call stacks do, while the
/// innermost frames vary most. Depths are spread over 8..64 frames, skewed towards the shallow end
/// (8 + 57·u^1.6, capped at 64: median about 24, mean about 30).</para>
/// <para>Frame ids look like code addresses: one of 24 modules mapped at 0x7F..., 16 MiB apart, plus an
/// offset inside the module's first 8 MiB. A call site's id depends on its caller's path, drawn from a pool
/// of 65,536 call sites, so the same id appears under many parents.</para>
/// <para>Frames are stored innermost first (<c>frames[0]</c> is the most recent call), as the depot expects.
/// Stacks are distinct: duplicates of an earlier stack are redrawn (checked by a 64-bit hash).</para>
/// </remarks>
public sealed class StackCorpus
{
    public const ulong DefaultSeed = 0x5EED_5EED_2026_0001UL;
    private const int MinDepth = 8;
    private const int MaxDepth = 64;
    private const int Modules = 24;
    private const int CallSites = 1 << 16;

    private StackCorpus(ulong[] frames, int[] start, int count)
    {
        Frames = frames;
        Start = start;
        Count = count;
    }

    /// <summary>All frames, stack after stack.</summary>
    public ulong[] Frames { get; }

    /// <summary>Offsets: stack i is <c>Frames[Start[i] .. Start[i + 1]]</c>.</summary>
    public int[] Start { get; }

    public int Count { get; }

    public long TotalFrames => Start[Count];

    public double MeanDepth => (double)TotalFrames / Count;

    public ReadOnlySpan<ulong> this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Frames, Start[index], Start[index + 1] - Start[index]);
    }

    /// <summary>Depth percentiles (p0, p10, p50, p90, p100).</summary>
    public int[] DepthPercentiles()
    {
        var depths = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            depths[i] = Start[i + 1] - Start[i];
        }

        Array.Sort(depths);
        return [depths[0], depths[Count / 10], depths[Count / 2], depths[Count * 9 / 10], depths[Count - 1]];
    }

    /// <summary>A copy of the frames (same offsets), for the floor's "stored copy" to compare against.</summary>
    public ulong[] CopyFrames() => (ulong[])Frames.Clone();

    /// <summary>Generates <paramref name="count"/> distinct stacks. The same seed and count give the same corpus;
    /// a smaller count with the same seed gives a prefix of a larger one.</summary>
    public static StackCorpus Generate(int count, ulong seed = DefaultSeed)
    {
        var rng = new SplitMix64(seed);
        var callSites = new ulong[CallSites];
        for (int i = 0; i < callSites.Length; i++)
        {
            ulong r = rng.Next();
            ulong module = r % Modules;
            ulong offset = (r >> 16) % (8UL << 20);
            callSites[i] = 0x0000_7F00_0000_0000UL + (module << 24) + offset;
        }

        var roots = new ulong[8];
        for (int i = 0; i < roots.Length; i++)
        {
            roots[i] = callSites[rng.Next() % CallSites];
        }

        // Capacity estimate: mean depth about 30; grown if needed.
        var frames = GC.AllocateUninitializedArray<ulong>(checked((int)Math.Min(Array.MaxLength, (long)count * 32 + MaxDepth)));
        var start = new int[count + 1];
        var seen = new HashSet<ulong>(count);
        Span<ulong> path = stackalloc ulong[MaxDepth];
        int used = 0;
        for (int s = 0; s < count; s++)
        {
            int depth;
            while (true)
            {
                double u = rng.NextDouble();
                depth = Math.Min(MaxDepth, MinDepth + (int)(57 * Math.Pow(u, 1.6)));

                // Outermost first while walking the tree: path[0] is the root.
                int root = (int)(roots.Length * Square(rng.NextDouble()));
                ulong node = (ulong)root + 1;
                path[0] = roots[root];
                for (int level = 1; level < depth; level++)
                {
                    int fanout = level < 4 ? 2 : level < 12 ? 4 : 16;
                    int child = (int)(fanout * Square(rng.NextDouble()));
                    node = Mix(node * 31 + (ulong)child + 1);
                    path[level] = callSites[node % CallSites];
                }

                path[..depth].Reverse(); // innermost first
                if (seen.Add(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(path[..depth]), 0x0BAD_5EED))) // the corpus as generated before the depot's hash changed
                {
                    break;
                }
            }

            if (used + depth > frames.Length)
            {
                Array.Resize(ref frames, (int)Math.Min(Array.MaxLength, (long)frames.Length * 3 / 2));
            }

            path[..depth].CopyTo(frames.AsSpan(used));
            used += depth;
            start[s + 1] = used;
        }

        if (frames.Length - used > 1024)
        {
            Array.Resize(ref frames, used);
        }

        return new StackCorpus(frames, start, count);
    }

    /// <summary>A permutation of 0..count-1 (or <paramref name="repeat"/> concatenated permutations).</summary>
    public static int[] Shuffled(int count, int repeat = 1, ulong seed = DefaultSeed ^ 0x0DDE)
    {
        var rng = new SplitMix64(seed);
        var order = new int[count * repeat];
        for (int r = 0; r < repeat; r++)
        {
            Span<int> part = order.AsSpan(r * count, count);
            for (int i = 0; i < count; i++)
            {
                part[i] = i;
            }

            for (int i = count - 1; i > 0; i--)
            {
                int j = (int)(rng.Next() % (ulong)(i + 1));
                (part[i], part[j]) = (part[j], part[i]);
            }
        }

        return order;
    }

    /// <summary>Byte offset of a span of this corpus from the start of <see cref="Frames"/>, in frames.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int OffsetOf(ReadOnlySpan<ulong> frames) =>
        (int)((nuint)Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(Frames), ref MemoryMarshal.GetReference(frames)) / sizeof(ulong));

    private static double Square(double x) => x * x;

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
