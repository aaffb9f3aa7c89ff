namespace StackDepot.Cli.Tests.Async;

/// <summary>The counts of the target's async scenario (the constants of <c>AsyncScenario</c> in the target).</summary>
internal static class AsyncScenarioCounts
{
    public const int Semaphore = 40;
    public const int Delay = 20;
    public const int WhenAllBatches = 3;
    public const int SocketReads = 2;

    /// <summary>Five threads in <c>GetAwaiter().GetResult()</c>, one in <c>.Result</c>, one in <c>.Wait()</c>.</summary>
    public const int SyncOverAsync = 7;

    /// <summary>Work items queued behind a pool capped at one worker per processor, every worker blocked: the
    /// scenario's 25 and the runtime socket engine's one.</summary>
    public const int QueuedWorkItems = 25 + 1;

    /// <summary>The thread-pool header of the scenario: every worker (one per processor, the cap) running.</summary>
    public static string ThreadPool =>
        $"{Environment.ProcessorCount} workers ({Environment.ProcessorCount} running, 0 idle), min {Environment.ProcessorCount}, max {Environment.ProcessorCount}, {QueuedWorkItems} queued work items";
}
