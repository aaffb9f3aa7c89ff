namespace StackDepot.Cli.Sampling;

/// <summary>How a live process is sampled (<c>--engine</c>).</summary>
internal enum SamplingEngine
{
    /// <summary>ClrMD over a copy: stop the threads only to copy registers and stacks, unwind while the target runs.</summary>
    ClrMd,

    /// <summary>ClrMD attached with suspend for the whole walk, every sample (the target is stopped much longer).</summary>
    ClrMdSuspend,

    /// <summary>The runtime's own sample profiler over EventPipe: no ptrace, no root; the runtime pauses itself at
    /// safe points about every millisecond.</summary>
    EventPipe,
}
