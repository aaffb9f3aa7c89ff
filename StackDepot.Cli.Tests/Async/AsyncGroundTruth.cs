using StackDepot.Cli.Async;

namespace StackDepot.Cli.Tests.Async;

/// <summary>
/// The logical stacks the target's async scenario must give (see <c>AsyncScenario</c> in the target), checked the same
/// way on the engine's reports and on the CLI's JSON.
/// </summary>
internal static class AsyncGroundTruth
{
    public const string Target = "StackDepot.Cli.Tests.Target.";
    public const string Module = "StackDepot.Cli.Tests.Target";

    public static readonly string BlockingMarker = Marker(new AsyncFrameTable().BlockingWait);
    public static readonly string CycleMarker = Marker(new AsyncFrameTable().Cycle);
    public static readonly string BrokenMarker = Marker(new AsyncFrameTable().Broken);

    public static readonly string[] SemaphoreChain =
    [
        Target + "CustomsChain.WaitForInspectorAsync(CancellationToken) (await state 0)",
        Target + "CustomsChain.InspectAsync(int, CancellationToken) (await state 1)",
        Target + "CustomsChain.ClearAsync(int, CancellationToken) (await state 0)",
    ];

    public static readonly string[] DelayChain =
    [
        Target + "TideChain.WaitForTideAsync(CancellationToken) (await state 0)",
        Target + "TideChain.SailAsync(CancellationToken) (await state 0)",
    ];

    public static readonly string[] WhenAllChain =
    [
        Target + "AuditChain.ReadLedgerAsync(int) (await state 0)",
        "[Task.WhenAll]",
        Target + "AuditChain.ReconcileAsync(int) (await state 0)",
    ];

    public static readonly string[] SocketChain = [Target + "WireChain.ReadFrameAsync(Socket) (await state 0)"];

    public static readonly string[] ManifestChain =
    [
        Target + "ManifestChain.FetchAsync() (await state 0)",
        Target + "ManifestChain.LoadAsync() (await state 0)",
    ];

    /// <summary>The threads the target blocks in sync-over-async waits: five in GetResult(), one in .Result, one in .Wait().</summary>
    public static int[] ManifestThreads(IReadOnlyDictionary<string, int> tids) =>
        [.. Enumerable.Range(0, 5).Select(i => tids[$"manifest-{i}"]).Append(tids["manifest-result"]).Append(tids["manifest-wait"]).Order()];

    /// <summary>Asserts every logical stack of the scenario, alone (each sync-over-async chain with its threads' ids).</summary>
    public static void AssertLogicalStacks(IReadOnlyList<SeenStack> stacks, IReadOnlyDictionary<string, int> tids)
    {
        Single(stacks, AsyncScenarioCounts.Semaphore, "[awaiting SemaphoreSlim.WaitAsync]", SemaphoreChain);
        Single(stacks, AsyncScenarioCounts.Delay, "[awaiting Task.Delay]", DelayChain);
        Single(stacks, AsyncScenarioCounts.WhenAllBatches * 2, "[awaiting TaskCompletionSource<int>]", WhenAllChain);
        Single(stacks, AsyncScenarioCounts.SocketReads, "[awaiting socket receive]", SocketChain);
        SeenStack manifest = Single(stacks, AsyncScenarioCounts.SyncOverAsync, "[awaiting TaskCompletionSource<int>]", [.. ManifestChain, BlockingMarker]);
        Assert.Equal(ManifestThreads(tids), manifest.Threads);
    }

    /// <summary>The one stack whose innermost frame is <paramref name="innermost"/> and whose frames end with
    /// <paramref name="outer"/> (the runtime's own async frames between them are allowed), with its count.</summary>
    public static SeenStack Single(IReadOnlyList<SeenStack> stacks, long count, string innermost, string[] outer)
    {
        SeenStack stack = Assert.Single(stacks, s =>
            s.Frames.Length > outer.Length && s.Frames[0] == innermost && s.Frames.AsSpan()[^outer.Length..].SequenceEqual(outer));
        Assert.Equal(count, stack.Count);
        return stack;
    }

    private static string Marker(ulong id) => new AsyncFrameTable().Get(id).Name;
}
