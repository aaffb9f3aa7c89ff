namespace StackDepot;

/// <summary>Stub of the public contract; the implementation lands with issue 2.</summary>
public sealed class Depot : IDisposable
{
    /// <summary>Creates a depot.</summary>
    public Depot(DepotOptions? options = null) { Options = options ?? new DepotOptions(); }

    /// <summary>The options this depot was built with.</summary>
    public DepotOptions Options { get; }

    /// <summary>Largest number of frames a stack keeps.</summary>
    public int MaxFrames => Options.MaxFrames;

    /// <summary>Stores a stack (frames[0] innermost) and returns its handle.</summary>
    public StackHandle Save(ReadOnlySpan<ulong> frames, SaveFlags flags = SaveFlags.None) => throw new NotImplementedException();

    /// <summary>Copies a stack's frames.</summary>
    public bool TryFetch(StackHandle handle, Span<ulong> destination, out int frameCount) => throw new NotImplementedException();

    /// <summary>Returns a stack's frames; throws ArgumentException for none, stale or forged handles.</summary>
    public ulong[] Fetch(StackHandle handle) => throw new NotImplementedException();

    /// <summary>Drops a reference taken with SaveFlags.Get.</summary>
    public void Put(StackHandle handle) => throw new NotImplementedException();

    /// <summary>A snapshot of the counters.</summary>
    public DepotStats GetStats() => throw new NotImplementedException();

    /// <summary>Releases the metrics.</summary>
    public void Dispose() { }
}
