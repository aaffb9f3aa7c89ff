namespace StackDepot.Cli.Top;

/// <summary>A stack in the <c>top</c> view.</summary>
/// <param name="Samples">Samples of this stack.</param>
/// <param name="Threads">How many distinct threads were seen on it.</param>
/// <param name="Frames">Its frames, innermost first.</param>
internal sealed record TopStack(long Samples, int Threads, IReadOnlyList<string> Frames);
