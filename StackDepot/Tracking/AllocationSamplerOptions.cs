namespace StackDepot.Tracking;

/// <summary>Options of an <see cref="AllocationSampler"/>. Every property has a sensible default.</summary>
public sealed class AllocationSamplerOptions
{
    /// <summary>The default <see cref="SamplingRate"/>: 512 KiB, as Go's <c>runtime.MemProfileRate</c>.</summary>
    public const long DefaultSamplingRate = 512 * 1024;

    /// <summary>
    /// Mean number of bytes between samples (default 512 KiB). Intervals are drawn from an exponential distribution
    /// with this mean, so every byte has the same chance of triggering a sample and no allocation pattern can hide
    /// from it. 1 records every allocation. Range 1..2^40.
    /// </summary>
    public long SamplingRate { get; set; } = DefaultSamplingRate;

    /// <summary>
    /// Seed of the interval generator. <c>null</c> (the default) picks a random seed. With a seed, a single thread
    /// recording the same sizes takes the same samples on every run; each thread gets its own stream derived from
    /// the seed and the order in which threads first record.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Frames kept per sampled stack (default 64); at most the depot's <see cref="Depot.MaxFrames"/>.</summary>
    public int MaxFrames { get; set; } = 64;

    /// <summary>
    /// Frames to leave out above the method that calls <see cref="AllocationSampler.Record"/> (default 0). Prefer marking
    /// your own allocation helper <see cref="System.Diagnostics.StackTraceHiddenAttribute"/>: leading hidden frames are
    /// always left out, and unlike a count this stays right when the JIT inlines the helper into its caller.
    /// </summary>
    public int SkipFrames { get; set; }

    /// <summary>
    /// Keep the runtime's async and task plumbing in the sampled stacks (default false): <c>AsyncMethodBuilderCore.Start</c>,
    /// <c>ExecutionContext.RunInternal</c>, the state machine boxes and the like, and an async method's stub beside
    /// its state machine. Left out, an async call chain reads as it was written, caller above callee, as in exception
    /// stack traces and the CLI's reports (whose <c>--runtime-frames</c> is this option).
    /// </summary>
    public bool RuntimeFrames { get; set; }

    /// <summary>A name for this sampler, used as the <c>sampler</c> tag of its metrics and in report titles.</summary>
    public string Name { get; set; } = "default";
}
