namespace StackDepot.Cli.Options;

/// <summary>Which process (or dump) a command works on; exactly one member is set.</summary>
internal sealed record TargetSelection
{
    /// <summary>The process id given with <c>--pid</c>.</summary>
    public int? Pid { get; init; }

    /// <summary>The process name given with <c>--name</c>.</summary>
    public string? Name { get; init; }

    /// <summary>The dump file given with <c>--dump</c>.</summary>
    public string? DumpPath { get; init; }
}
