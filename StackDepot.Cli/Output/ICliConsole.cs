namespace StackDepot.Cli.Output;

/// <summary>
/// The standard streams a command writes to: data on <see cref="Out"/> (or, for binary data, the stream of
/// <see cref="OpenStandardOutput"/>), messages, progress and errors on <see cref="Error"/>. Commands never touch
/// <see cref="Console"/> directly, so that tests run them in-process with their own writers.
/// </summary>
internal interface ICliConsole
{
    /// <summary>Standard output, for data as text.</summary>
    TextWriter Out { get; }

    /// <summary>Standard error, for messages, warnings, progress and errors.</summary>
    TextWriter Error { get; }

    /// <summary>True when standard output is a file or pipe rather than a terminal.</summary>
    bool IsOutputRedirected { get; }

    /// <summary>True when standard error is a file or pipe rather than a terminal.</summary>
    bool IsErrorRedirected { get; }

    /// <summary>True when standard input is a file or pipe rather than a terminal (no keys to read).</summary>
    bool IsInputRedirected { get; }

    /// <summary>The next key pressed, if one is waiting (never blocks); null otherwise or when input is redirected.</summary>
    /// <returns>The key, or null.</returns>
    ConsoleKeyInfo? TryReadKey();

    /// <summary>Standard output as a stream, for data as bytes. <see cref="Out"/> is flushed first; the caller
    /// flushes the stream and does not close it.</summary>
    /// <returns>A stream onto standard output.</returns>
    Stream OpenStandardOutput();
}
