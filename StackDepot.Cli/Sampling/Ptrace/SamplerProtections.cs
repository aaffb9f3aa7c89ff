namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// Protections of the copying engine that tests switch off (<see cref="StackCopier.DisabledProtections"/>,
/// <see cref="CopyDataReader.DisabledProtections"/>) to show that the tests guarding them fail without them. Read only
/// when <see cref="SamplerTestHooks.Enabled"/>.
/// </summary>
[Flags]
internal enum SamplerProtections
{
    /// <summary>Every protection on.</summary>
    None = 0,

    /// <summary>A copy that fails half way releases every thread it stopped (and leaves the others to be released).</summary>
    ReleaseOnFailure = 1,

    /// <summary>A thread that stops after its deadline is released as soon as it stops.</summary>
    ReleaseLateStoppers = 2,

    /// <summary>A signal that arrived while a thread was traced is passed on when it is released.</summary>
    PassOnSignals = 4,

    /// <summary>Stacks are unwound from the copy, not from the live (changed) memory.</summary>
    UnwindFromCopy = 8,

    /// <summary>The start of each runtime <c>Thread</c> object (the head of its frame chain) is copied with its stack.</summary>
    CopyRuntimeThread = 16,

    /// <summary>A thread's last walk is reused only when its registers, stack and runtime thread bytes are unchanged.</summary>
    WalkChangedStacks = 32,
}
