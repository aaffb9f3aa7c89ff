namespace StackDepot.Cli.EventPipe;

/// <summary>Keywords of the runtime's provider (Microsoft-Windows-DotNETRuntime) the CLI's sessions enable.</summary>
internal static class EventPipeKeywords
{
    /// <summary>GC: collections, suspensions of the runtime, and AllocationTick on older runtimes.</summary>
    public const long GC = 0x1;

    /// <summary>Loader: module loads (names of the methods' modules).</summary>
    public const long Loader = 0x8;

    /// <summary>JIT: method loads with code ranges (and names, at Verbose level).</summary>
    public const long Jit = 0x10;

    /// <summary>NGen: loads of precompiled (ReadyToRun) methods.</summary>
    public const long NGen = 0x20;
}
