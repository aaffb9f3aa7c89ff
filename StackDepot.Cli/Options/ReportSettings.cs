using StackDepot.Reporting;

namespace StackDepot.Cli.Options;

/// <summary>What report to write and where.</summary>
internal sealed record ReportSettings
{
    /// <summary>The format.</summary>
    public required IReportFormatter Formatter { get; init; }

    /// <summary>The <c>-o</c> file; null (or <c>-</c>) for stdout.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Stacks shown, the largest first; 0 for all.</summary>
    public int Top { get; init; }

    /// <summary>Stacks whose first value is below this are left out.</summary>
    public long MinCount { get; init; }
}
