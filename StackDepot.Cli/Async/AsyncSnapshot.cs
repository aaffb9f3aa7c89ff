using StackDepot.Cli.Sampling;

namespace StackDepot.Cli.Async;

/// <summary>What one stop of a process (or a dump) gives the async view.</summary>
/// <param name="Analysis">The heap's async state and what blocked threads wait for.</param>
/// <param name="Threads">The thread stacks (<see cref="AsyncMode.Both"/>), or null.</param>
/// <param name="Frozen">How long the process was stopped, attach to detach; zero for a dump.</param>
internal sealed record AsyncSnapshot(AsyncAnalysis Analysis, Snapshot? Threads, TimeSpan Frozen);
