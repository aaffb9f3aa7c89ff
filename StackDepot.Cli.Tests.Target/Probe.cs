namespace Corpus.Shapes;

/// <summary>
/// In the target, the shapes of CorpusShapes.cs (shared with the naming tests) park their thread in
/// <see cref="Here"/> for good, so that the CLI sees each shape on a stack.
/// </summary>
public static class Probe
{
    private static readonly object Gate = new();
    private static int _parked;

    /// <summary>Threads parked so far.</summary>
    public static int Parked => Volatile.Read(ref _parked); // pairs with the increment in Here

    /// <summary>Parks the calling thread until the process exits.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void Here()
    {
        lock (Gate)
        {
            Interlocked.Increment(ref _parked); // pairs with the read in Parked
            Monitor.Wait(Gate);
        }
    }
}
