namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>What a non-blocking wait on a seized thread found.</summary>
internal enum TraceeState
{
    /// <summary>Not stopped yet.</summary>
    Running,

    /// <summary>In a ptrace stop: its registers and stack can be read; it must be detached.</summary>
    Stopped,

    /// <summary>Exited (and reaped), or no longer ours.</summary>
    Gone,
}
