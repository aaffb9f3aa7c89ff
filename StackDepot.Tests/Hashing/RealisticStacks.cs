namespace StackDepot.Tests.Hashing;

/// <summary>
/// A million and more distinct stacks that look like real ones: paths from the root of a synthetic call tree, 8 to 64
/// frames, outer frames shared by many stacks, frame ids shaped like code addresses (24 modules 16 MiB apart, 65,536
/// call sites). Stack <c>i</c> is a pure function of <c>i</c> (nothing is stored), and different indexes give
/// different stacks: the first 8 levels below the root spell out <c>i</c> in base 8, and at each level the callee
/// depends on the caller and the digit, injectively in the digit.
/// </summary>
internal static class RealisticStacks
{
    public const int MaxDepth = 64;

    /// <summary>Fills <paramref name="frames"/> (innermost first) with stack <paramref name="index"/> (below 2^24) and
    /// returns its depth.</summary>
    public static int Fill(int index, Span<ulong> frames)
    {
        int depth = 8 + (int)(((uint)index * 2654435761u >> 8) % 57);
        ulong parent = 0x5EED;
        for (int level = 0; level < depth; level++)
        {
            uint digit = level < 8 ? (uint)(index >> (3 * (7 - level))) & 7 : 0;
            uint site = (uint)((Mix(parent + (ulong)level) + (digit * 0x9E37u)) & 0xFFFF); // injective in digit for one parent
            ulong frame = 0x00007F0000000000UL + ((ulong)(site % 24) << 24) + ((ulong)site << 7);
            frames[depth - 1 - level] = frame; // the root is the outermost frame
            parent = frame;
        }

        return depth;
    }

    public static ulong[] Get(int index)
    {
        Span<ulong> buffer = stackalloc ulong[MaxDepth];
        return buffer[..Fill(index, buffer)].ToArray();
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        return x ^ (x >> 29);
    }
}
