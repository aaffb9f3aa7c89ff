namespace StackDepot.Cli.Tests.Async;

/// <summary>One stack of a report as the async tests compare it: frame names innermost first, the count, the thread ids.</summary>
internal sealed record SeenStack(string[] Frames, long Count, int[] Threads);
