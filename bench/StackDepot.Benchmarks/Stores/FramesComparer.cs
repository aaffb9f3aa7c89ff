using System.Runtime.InteropServices;

namespace StackDepot.Benchmarks.Stores;

/// <summary>
/// What a careful .NET user writes for a dictionary keyed by stacks: <c>ulong[]</c> keys compared by content,
/// hashed with <see cref="HashCode.AddBytes"/> (the framework's seeded, per-process randomized hash), and an alternate
/// comparer so that a lookup by <see cref="ReadOnlySpan{T}"/> allocates nothing (.NET 9+ <c>GetAlternateLookup</c>).
/// </summary>
public sealed class FramesComparer : IEqualityComparer<ulong[]>, IAlternateEqualityComparer<ReadOnlySpan<ulong>, ulong[]>
{
    public bool Equals(ulong[]? x, ulong[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(ulong[] obj) => GetHashCode((ReadOnlySpan<ulong>)obj);

    public bool Equals(ReadOnlySpan<ulong> alternate, ulong[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<ulong> alternate)
    {
        var hash = default(HashCode);
        hash.AddBytes(MemoryMarshal.AsBytes(alternate));
        return hash.ToHashCode();
    }

    public ulong[] Create(ReadOnlySpan<ulong> alternate) => alternate.ToArray();
}
