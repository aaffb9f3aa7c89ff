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
}
