namespace StackDepot.Cli;

/// <summary>An error reported to the user as one plain line on stderr, with an exit code.</summary>
internal sealed class CliException(ExitCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The process exit code.</summary>
    public ExitCode Code { get; } = code;
}
