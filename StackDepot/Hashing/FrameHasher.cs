using System.Runtime.CompilerServices;

namespace StackDepot.Hashing;

/// <summary>
/// The one seam between the depot and its hash function: a seeded hash of a stack's frame ids, made once per depot
/// from its seed. It is <see cref="WordHash"/> (a multiply-fold hash over 64-bit words); <see cref="XxHash3"/> (bytes)
/// stays available, and swapping one for the other is a change to this file only.
/// </summary>
internal readonly struct FrameHasher(ulong seed)
{
    private readonly WordHash _hash = new(seed);

    /// <summary>The 64-bit hash of <paramref name="frames"/>: the high half picks the bucket, the low half is kept in
    /// the record's key for the first compare.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash(ReadOnlySpan<ulong> frames) => _hash.Hash(frames);

    /// <summary>The hash with <paramref name="seed"/>, for one-off callers (it derives the keys on every call).</summary>
    public static ulong Hash(ReadOnlySpan<ulong> frames, ulong seed) => new FrameHasher(seed).Hash(frames);
}
