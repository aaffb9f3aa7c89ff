namespace StackDepot.Benchmarks.Stores;

/// <summary>
/// <see cref="FramesComparer"/> with the depot's own frame hash instead of <see cref="HashCode.AddBytes"/>: not what
/// a user would write, but it shows how much of the depot's lead on a hit is its hash.
/// </summary>
public sealed class DepotHashFramesComparer : IEqualityComparer<ulong[]>, IAlternateEqualityComparer<ReadOnlySpan<ulong>, ulong[]>
{
    public bool Equals(ulong[]? x, ulong[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(ulong[] obj) => (int)Contenders.Hasher.Hash(obj);

    public bool Equals(ReadOnlySpan<ulong> alternate, ulong[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<ulong> alternate) => (int)Contenders.Hasher.Hash(alternate);

    public ulong[] Create(ReadOnlySpan<ulong> alternate) => alternate.ToArray();
}
