namespace StackDepot.Cli.Sampling;

/// <summary>A thread whose stack could not be read, and why (for the report and stderr).</summary>
/// <param name="ThreadId">The OS thread id.</param>
/// <param name="Reason">Why, in words: <c>traced by another process (pid 812, strace)</c>.</param>
internal sealed record UnreadableThread(int ThreadId, string Reason);
