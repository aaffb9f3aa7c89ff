namespace StackDepot.Cli.Sampling;

/// <summary>What a thread is for, as far as the runtime (or its OS name) tells.</summary>
internal enum ThreadKind
{
    /// <summary>Any other thread.</summary>
    Other,

    /// <summary>The process's first thread.</summary>
    Main,

    /// <summary>A thread pool worker.</summary>
    ThreadPoolWorker,

    /// <summary>A thread pool I/O completion thread.</summary>
    ThreadPoolIo,

    /// <summary>The thread that fires timers.</summary>
    Timer,

    /// <summary>The finalizer thread.</summary>
    Finalizer,

    /// <summary>A garbage collector thread.</summary>
    Gc,
}
