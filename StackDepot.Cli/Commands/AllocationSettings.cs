using StackDepot.Cli.Allocations;
using StackDepot.Cli.Options;

namespace StackDepot.Cli.Commands;

/// <summary>What <c>stackdepot alloc</c> or <c>leaks</c> was asked to do.</summary>
internal sealed record AllocationSettings
{
    /// <summary>The process, or the program to start (<see cref="TargetSelection.Command"/>).</summary>
    public required TargetSelection Target { get; init; }

    /// <summary>How long to record; <see cref="Timeout.InfiniteTimeSpan"/> until the target exits or Ctrl-C.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What to show.</summary>
    public AllocationView View { get; init; } = AllocationView.Allocated;

    /// <summary>What to write and where; <see cref="ReportSettings.MinCount"/> counts samples (alive samples for the live views).</summary>
    public required ReportSettings Report { get; init; }

    /// <summary>Frames kept per stack (innermost).</summary>
    public int MaxFrames { get; init; } = 256;

    /// <summary>No progress on stderr.</summary>
    public bool Quiet { get; init; }
}
