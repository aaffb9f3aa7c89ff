namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>A thread to stop and copy.</summary>
/// <param name="ThreadId">The OS thread id.</param>
/// <param name="RuntimeThread">The address of the runtime's <c>Thread</c> object for it (its start is copied with the
/// stack, so that the frame chain the unwinder follows belongs to the same moment), or 0 when not known yet.</param>
internal readonly record struct CopyTarget(int ThreadId, ulong RuntimeThread);
