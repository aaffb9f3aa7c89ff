namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>One thread as copied while it was stopped: its registers and the live part of its stack.</summary>
/// <param name="ThreadId">The OS thread id.</param>
/// <param name="Registers">The raw <c>user_regs_struct</c>.</param>
/// <param name="Stack">The stack from just below the stack pointer to the end of its mapping (or the copy limit).</param>
/// <param name="RuntimeThread">The start of the runtime's <c>Thread</c> object, when known (empty otherwise).</param>
internal sealed record ThreadCopy(int ThreadId, byte[] Registers, CopiedRange Stack, CopiedRange RuntimeThread);
