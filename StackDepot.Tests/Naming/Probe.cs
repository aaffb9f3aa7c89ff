using StackDepot.Capture;

namespace Corpus.Shapes;

/// <summary>In the tests, <see cref="Here"/> records the frame of the shape that calls it.</summary>
public static class Probe
{
    [ThreadStatic]
    private static ulong t_frame;

    private static ulong _last;

    /// <summary>The frame id of the last caller of <see cref="Here"/> (from any thread).</summary>
    public static ulong LastFrame => Interlocked.Read(ref _last); // pairs with the exchange in Here

    /// <summary>The frame id of the last caller of <see cref="Here"/> on this thread.</summary>
    public static ulong LastFrameOnThisThread => t_frame;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void Here()
    {
        ulong[] frames = StackCapture.Capture(skipFrames: 1, maxFrames: 1);
        t_frame = frames[0];
        Interlocked.Exchange(ref _last, frames[0]); // pairs with the read in LastFrame
    }
}
