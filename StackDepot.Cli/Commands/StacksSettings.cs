using StackDepot.Cli.Async;
using StackDepot.Cli.Options;

namespace StackDepot.Cli.Commands;

/// <summary>What <c>stackdepot stacks</c> (and <c>demo</c>) was asked to do.</summary>
internal sealed record StacksSettings
{
    /// <summary>The process or dump.</summary>
    public required TargetSelection Target { get; init; }

    /// <summary>How to take snapshots.</summary>
    public SamplingSettings Sampling { get; init; } = new();

    /// <summary>What to write and where.</summary>
    public required ReportSettings Report { get; init; }

    /// <summary>Logical (async) stacks instead of, or with, the thread stacks.</summary>
    public AsyncMode Async { get; init; } = AsyncMode.Off;

    /// <summary>No progress on stderr.</summary>
    public bool Quiet { get; init; }
}
