using Serilog;
using StackDepot.Cli.Output;
using StackDepot.Reporting;

namespace StackDepot.Cli;

/// <summary>What every command gets from the root: where to write, where to log, which report formats exist.</summary>
/// <param name="Console">Standard output and error.</param>
/// <param name="Log">Warnings (and with <c>-v</c> details) as <c>stackdepot: level: message</c> lines on stderr.</param>
/// <param name="Formats">The report formats <c>--format</c> accepts.</param>
internal sealed record CliContext(ICliConsole Console, ILogger Log, ReportFormatRegistry Formats)
{
    /// <summary>Which signal cancelled the run, once it was cancelled: the exit code to end with
    /// (<see cref="ExitCode.Canceled"/> for Ctrl-C/SIGINT, <see cref="ExitCode.Terminated"/> for SIGTERM).</summary>
    public Func<ExitCode> InterruptCode { get; init; } = static () => ExitCode.Canceled;

    /// <summary>The signal behind <see cref="InterruptCode"/>, in words (<c>SIGINT</c>, <c>SIGTERM</c>).</summary>
    public string InterruptName => InterruptCode() == ExitCode.Terminated ? "SIGTERM" : "SIGINT";
}
