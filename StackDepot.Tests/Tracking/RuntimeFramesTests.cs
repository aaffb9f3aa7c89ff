using System.Runtime.CompilerServices;
using StackDepot.Reporting;
using StackDepot.Tracking;

namespace StackDepot.Tests.Tracking;

/// <summary>The trackers leave the runtime's async plumbing out of the stacks they capture unless asked to keep it.</summary>
public class RuntimeFramesTests
{
    private static readonly string[] PlumbingNames = ["AsyncMethodBuilderCore.Start", "ExecutionContext.Run", "AsyncStateMachineBox<", "ExecuteFromThreadPool"];

    [Fact]
    public async Task An_async_method_before_its_first_await_reads_once_without_the_builder()
    {
        string[] names = await SampleAsync(runtimeFrames: false, BeforeAwaitAsync);

        Assert.DoesNotContain(names, n => PlumbingNames.Any(p => n.Contains(p, StringComparison.Ordinal)));
        Assert.Equal(1, names.Count(n => n.Contains(nameof(BeforeAwaitAsync) + "(", StringComparison.Ordinal)));
        Assert.Equal(names.ToList().FindIndex(n => n.Contains(nameof(BeforeAwaitAsync) + "(", StringComparison.Ordinal)) + 1,
            names.ToList().FindIndex(n => n.Contains(nameof(SampleAsync) + "(", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_runtime_frames_the_builder_and_the_stub_are_kept()
    {
        string[] names = await SampleAsync(runtimeFrames: true, BeforeAwaitAsync);

        Assert.Contains(names, n => n.Contains("AsyncMethodBuilderCore.Start", StringComparison.Ordinal));
        Assert.Equal(2, names.Count(n => n.Contains(nameof(BeforeAwaitAsync) + "(", StringComparison.Ordinal))); // state machine and stub
    }

    [Fact]
    public async Task An_async_method_resumed_by_the_thread_pool_sits_on_the_pool_without_the_box()
    {
        // On the pool both times (no test framework's synchronization context to resume on).
        string[] plain = await SampleAsync(runtimeFrames: false, s => Task.Run(() => AfterYieldAsync(s)));
        string[] raw = await SampleAsync(runtimeFrames: true, s => Task.Run(() => AfterYieldAsync(s)));

        Assert.Contains(raw, n => PlumbingNames.Any(p => n.Contains(p, StringComparison.Ordinal)));
        Assert.True(!plain.Any(n => PlumbingNames.Any(p => n.Contains(p, StringComparison.Ordinal))), string.Join("\n", plain));
        Assert.Contains(nameof(AfterYieldAsync) + "(", plain[0], StringComparison.Ordinal);
        Assert.True(plain.Length < raw.Length, string.Join("\n", raw));

        // Only frames are left out: what is kept stands in the same order as in the full stack.
        int at = 0;
        foreach (string name in plain)
        {
            at = Array.IndexOf(raw, name, at) + 1;
            Assert.True(at > 0, $"{name} is not in the full stack:\n{string.Join("\n", raw)}");
        }
    }

    /// <summary>Runs <paramref name="body"/> under a sampler that samples every record; the one sampled stack's names.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<string[]> SampleAsync(bool runtimeFrames, Func<AllocationSampler, Task> body)
    {
        using var depot = new Depot();
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1, RuntimeFrames = runtimeFrames });
        await body(sampler);
        StackReportEntry entry = Assert.Single(sampler.GetReport().Entries);
        return [.. entry.Frames.Select(f => f.Name)];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task BeforeAwaitAsync(AllocationSampler sampler)
    {
        sampler.Record(100);
        await Task.Yield();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task AfterYieldAsync(AllocationSampler sampler)
    {
        await Task.Yield();
        sampler.Record(100);
    }
}
