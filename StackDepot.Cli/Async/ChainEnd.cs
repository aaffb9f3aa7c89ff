namespace StackDepot.Cli.Async;

/// <summary>Why a logical stack ends where it does.</summary>
internal enum ChainEnd
{
    /// <summary>At its root: nothing awaits the outermost node.</summary>
    Root,

    /// <summary>At a thread that waits synchronously on the outermost node (sync-over-async).</summary>
    BlockingWait,

    /// <summary>At a callback that is not a task; the last frame names it.</summary>
    Callback,

    /// <summary>At a node already on the chain (a corrupt heap); the last frame is the cycle marker.</summary>
    Cycle,

    /// <summary>At a link that could not be read (a corrupt heap); the last frame is the broken-chain marker.</summary>
    Broken,

    /// <summary>At the frame limit; the last frame is the truncation marker.</summary>
    Truncated,
}
