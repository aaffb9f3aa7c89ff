namespace StackDepot.Cli.Sampling;

/// <summary>One thread's stack in one snapshot: frame ids, innermost first.</summary>
internal readonly record struct ThreadStack(int ThreadId, ulong[] Frames);
