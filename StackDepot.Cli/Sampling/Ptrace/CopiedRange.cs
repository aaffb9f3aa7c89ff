namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>Bytes copied from the target at one moment, starting at <see cref="Address"/>.</summary>
/// <param name="Address">Where the bytes start in the target.</param>
/// <param name="Bytes">The copy.</param>
internal readonly record struct CopiedRange(ulong Address, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>One past the last copied address.</summary>
    public ulong End => Address + (ulong)Bytes.Length;
}
