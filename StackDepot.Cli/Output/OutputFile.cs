namespace StackDepot.Cli.Output;

/// <summary>
/// Where report data goes: stdout, or a file given with <c>-o</c>. A file is checked before any sampling starts and
/// written through a temporary file in the same directory, renamed over the target at the end, so that a failed run
/// never leaves a half-written report.
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private readonly ICliConsole _console;
    private readonly string? _path;
    private readonly string? _temporary;
    private readonly FileStream? _file;
    private Stream? _stdout;
    private bool _committed;

    private OutputFile(ICliConsole console, string? path, string? temporary, FileStream? file)
    {
        _console = console;
        _path = path;
        _temporary = temporary;
        _file = file;
    }

    /// <summary>The stream to write the data to (not to be closed by the writer).</summary>
    public Stream Stream => _file ?? (_stdout ??= _console.OpenStandardOutput());

    /// <summary>Opens stdout (<paramref name="path"/> null or "-") or prepares <paramref name="path"/>.</summary>
    /// <param name="path">The <c>-o</c> value.</param>
    /// <param name="console">Standard output, when <paramref name="path"/> names it.</param>
    /// <param name="binary">The data is binary: refused on a terminal.</param>
    /// <exception cref="CliException">The file cannot be written, or binary data would go to a terminal.</exception>
    public static OutputFile Open(string? path, ICliConsole console, bool binary = false)
    {
        if (path is null || path == "-")
        {
            if (binary && !console.IsOutputRedirected)
            {
                throw new CliException(ExitCode.Usage, "the report is binary and stdout is a terminal: write it to a file with -o FILE, or redirect stdout");
            }

            return new OutputFile(console, null, null, null);
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException(ExitCode.OutputNotWritable, $"cannot write output file {path}: {e.Message}", e);
        }

        if (Directory.Exists(full))
        {
            throw new CliException(ExitCode.OutputNotWritable, $"cannot write output file {path}: it is a directory");
        }

        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            throw new CliException(ExitCode.OutputNotWritable, $"cannot write output file {path}: directory {directory} does not exist");
        }

        // A device or pipe (e.g. /dev/stdout) is written directly; regular files through a temporary file.
        bool special = File.Exists(full) && (File.GetAttributes(full) & FileAttributes.Device) != 0 || full.StartsWith("/dev/", StringComparison.Ordinal);
        string target = special ? full : Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            var stream = new FileStream(target, special ? FileMode.Open : FileMode.Create, FileAccess.Write, FileShare.Read);
            return new OutputFile(console, full, special ? null : target, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCode.OutputNotWritable, $"cannot write output file {path}: {Reason(e)}", e);
        }
    }

    /// <summary>Finishes the output: flushes, and moves a temporary file into place.</summary>
    /// <exception cref="CliException">The file cannot be written.</exception>
    public void Commit()
    {
        try
        {
            Stream.Flush();
            if (_file is not null)
            {
                _file.Dispose();
                if (_temporary is not null)
                {
                    File.Move(_temporary, _path!, overwrite: true);
                }
            }

            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCode.OutputNotWritable, $"cannot write output file {_path}: {Reason(e)}", e);
        }
    }

    /// <summary>Removes the temporary file when the output was not committed.</summary>
    public void Dispose()
    {
        _file?.Dispose();
        if (!_committed && _temporary is not null)
        {
            try
            {
                File.Delete(_temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static string Reason(Exception e) => e is UnauthorizedAccessException ? "permission denied" : e.Message;
}
