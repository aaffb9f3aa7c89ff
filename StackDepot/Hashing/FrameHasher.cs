using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StackDepot.Hashing;

/// <summary>
/// The one seam between the depot and its hash function: XXH3-64 over the frames' bytes with a seed.
/// Swapping in <c>System.IO.Hashing.XxHash3.HashToUInt64</c> (same signature) is a change to this file only.
/// </summary>
internal static class FrameHasher
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ReadOnlySpan<ulong> frames, ulong seed) =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes(frames), (long)seed);
}
