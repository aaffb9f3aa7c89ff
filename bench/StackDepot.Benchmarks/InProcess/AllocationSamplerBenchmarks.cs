using System.Diagnostics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using StackDepot.Capture;
using StackDepot.Tracking;

namespace StackDepot.Benchmarks.InProcess;

/// <summary>
/// Costs of the in-process users of the depot: the allocation sampler's hot path (the call that does not sample, and
/// the amortized cost at the default rate), one sample end to end, stack capture against the runtime's bare
/// <see cref="StackTrace"/>, cached symbolization, and a leak tracker's track-then-release pair.
/// </summary>
/// <remarks>Capture costs grow with the depth of the whole stack; here it is BenchmarkDotNet's own (about 10 frames
/// below the benchmark method).</remarks>
[MemoryDiagnoser]
public class AllocationSamplerBenchmarks
{
    private const int Calls = 4096;

    private readonly ulong[] _frames = new ulong[64];
    private Depot _depot = null!;
    private AllocationSampler _neverSamples = null!;
    private AllocationSampler _defaultRate = null!;
    private AllocationSampler _everyCall = null!;
    private LeakTracker _tracker = null!;
    private ulong _frameId;

    /// <summary>Creates the depot, samplers and tracker.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _depot = new Depot();
        _neverSamples = new AllocationSampler(_depot, new AllocationSamplerOptions { SamplingRate = 1L << 40, Seed = 1 });
        _defaultRate = new AllocationSampler(_depot, new AllocationSamplerOptions { Seed = 2 });
        _everyCall = new AllocationSampler(_depot, new AllocationSamplerOptions { SamplingRate = 1 });
        _tracker = new LeakTracker(_depot);
        _frameId = StackCapture.Capture(0, 1)[0];
        Symbolizer.Shared.Symbolize(_frameId);
    }

    /// <summary>Releases everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _tracker.Dispose();
        _everyCall.Dispose();
        _defaultRate.Dispose();
        _neverSamples.Dispose();
        _depot.Dispose();
    }

    /// <summary><see cref="AllocationSampler.Record"/> when it does not sample: the thread-local countdown only.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void RecordNotSampled()
    {
        AllocationSampler sampler = _neverSamples;
        for (int i = 0; i < Calls; i++)
        {
            sampler.Record(64);
        }
    }

    /// <summary>Record of 256-byte allocations at the default 512 KiB rate: one sample per ~2048 calls, amortized.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void RecordDefaultRate256B()
    {
        AllocationSampler sampler = _defaultRate;
        for (int i = 0; i < Calls; i++)
        {
            sampler.Record(256);
        }
    }

    /// <summary>One sample end to end: capture, save with a reference, site update, drop of the extra reference.</summary>
    [Benchmark]
    public void RecordSampled() => _everyCall.Record(64);

    /// <summary>The runtime's bare stack walk without file information, for reference.</summary>
    [Benchmark]
    public int StackTraceBaseline() => new StackTrace(0, false).FrameCount;

    /// <summary><see cref="StackCapture.Capture(Span{ulong}, int)"/> into a reused buffer.</summary>
    [Benchmark]
    public int CaptureIntoSpan() => StackCapture.Capture(_frames);

    /// <summary>Symbolizing a frame id already in the cache.</summary>
    [Benchmark]
    public string SymbolizeCached() => Symbolizer.Shared.GetName(_frameId);

    /// <summary><see cref="LeakTracker.Track"/> then <see cref="LeakTracker.Release"/> of a fresh object.</summary>
    [Benchmark]
    public ReleaseResult TrackThenRelease()
    {
        var resource = new object();
        _tracker.Track(resource);
        return _tracker.Release(resource);
    }
}
