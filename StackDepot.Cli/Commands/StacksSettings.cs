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

    /// <summary>No progress on stderr.</summary>
    public bool Quiet { get; init; }
}
