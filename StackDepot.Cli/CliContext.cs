using Serilog;
using StackDepot.Cli.Output;
using StackDepot.Reporting;

namespace StackDepot.Cli;

/// <summary>What every command gets from the root: where to write, where to log, which report formats exist.</summary>
/// <param name="Console">Standard output and error.</param>
/// <param name="Log">Warnings (and with <c>-v</c> details) as <c>stackdepot: level: message</c> lines on stderr.</param>
/// <param name="Formats">The report formats <c>--format</c> accepts.</param>
internal sealed record CliContext(ICliConsole Console, ILogger Log, ReportFormatRegistry Formats);
