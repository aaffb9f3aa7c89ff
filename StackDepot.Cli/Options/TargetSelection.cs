namespace StackDepot.Cli.Options;

/// <summary>Which process (or dump, or program to start) a command works on; exactly one member is set.</summary>
internal sealed record TargetSelection
{
    /// <summary>The process id given with <c>--pid</c>.</summary>
    public int? Pid { get; init; }

    /// <summary>The process name given with <c>--name</c>.</summary>
    public string? Name { get; init; }

    /// <summary>The dump file given with <c>--dump</c>.</summary>
    public string? DumpPath { get; init; }

    /// <summary>A program to start under the tool, given after <c>--</c> (command and arguments).</summary>
    public IReadOnlyList<string>? Command { get; init; }
}
