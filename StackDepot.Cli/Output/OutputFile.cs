using System.Text.RegularExpressions;

namespace StackDepot.Cli.Output;

/// <summary>
/// Where report data goes: stdout, or the <c>-o</c> path, checked before any sampling starts. A regular file (also
/// through a symbolic link, which stays a link) is written to a temporary file beside it and renamed over it at the
/// end, so that a failed run never leaves a half-written report and a full disk loses nothing; a FIFO or a
/// character device is written straight into; anything else is refused. Every failure is a
/// <see cref="CliException"/> with <see cref="ExitCode.OutputNotWritable"/>, and no temporary file stays behind.
/// </summary>
internal sealed partial class OutputFile : IDisposable
{
    private const int ErrnoFileTooLarge = 27;
    private const int ErrnoNoSpace = 28;
    private const int ErrnoReadOnlyFileSystem = 30;
    private const int ErrnoQuota = 122;

    private readonly ICliConsole _console;
    private readonly string _shown;
    private readonly string? _destination;
    private readonly string? _temporary;
    private readonly FileStream? _file;
    private Stream? _stdout;
    private bool _committed;

    private OutputFile(ICliConsole console, string shown, string? destination, string? temporary, FileStream? file)
    {
        _console = console;
        _shown = shown;
        _destination = destination;
        _temporary = temporary;
        _file = file;
    }

    private Stream Stream => _file ?? (_stdout ??= _console.OpenStandardOutput());

    /// <summary>Opens stdout (<paramref name="path"/> null, <c>-</c> or <c>/dev/stdout</c>) or prepares <paramref name="path"/>.</summary>
    /// <param name="path">The <c>-o</c> value.</param>
    /// <param name="console">Standard output, when <paramref name="path"/> names it.</param>
    /// <param name="binary">The data is binary: refused on a terminal.</param>
    /// <exception cref="CliException">The path cannot be written, or binary data would go to a terminal.</exception>
    public static OutputFile Open(string? path, ICliConsole console, bool binary = false)
    {
        if (path is null or "-" or "/dev/stdout" or "/dev/fd/1" or "/proc/self/fd/1")
        {
            if (binary && !console.IsOutputRedirected)
            {
                throw new CliException(ExitCode.Usage, "the report is binary and stdout is a terminal: write it to a file with -o FILE, or redirect stdout");
            }

            return new OutputFile(console, "stdout", null, null, null);
        }

        string full;
        FileKind kind;
        try
        {
            full = Path.GetFullPath(path);
            kind = UnixFiles.KindOf(full);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException)
        {
            throw Unwritable(path, e);
        }

        switch (kind)
        {
            case FileKind.Directory:
                throw Unwritable(path, "it is a directory");
            case FileKind.Fifo or FileKind.CharacterDevice:
                return new OutputFile(console, path, null, null, OpenStraight(path, full, FileMode.Open));
            case FileKind.BlockDevice:
                throw Unwritable(path, "it is a block device; stackdepot writes reports to regular files, FIFOs and character devices");
            case FileKind.Socket:
                throw Unwritable(path, "it is a socket; stackdepot writes reports to regular files, FIFOs and character devices");
        }

        // A file descriptor's path (/dev/stderr, /dev/fd/N, /proc/self/fd/N): the descriptor's file itself, not a new one.
        if (DescriptorPath().IsMatch(full))
        {
            return new OutputFile(console, path, null, null, OpenStraight(path, full, kind == FileKind.Regular ? FileMode.Truncate : FileMode.Open));
        }

        return OpenReplacing(console, path, FinalTarget(path, full));
    }

    /// <summary>Writes the data and finishes the output: flushes, and moves a temporary file into place.</summary>
    /// <param name="write">Writes the data to the stream it is given (without closing it).</param>
    /// <exception cref="CliException">The data cannot be written (a full disk, an I/O error...); a temporary file is
    /// removed and the file it would have replaced is left as it was.</exception>
    public void Write(Action<Stream> write)
    {
        try
        {
            write(Stream);
            Stream.Flush();
            if (_file is not null)
            {
                _file.Dispose();
                if (_temporary is not null)
                {
                    File.Move(_temporary, _destination!, overwrite: true);
                }
            }

            _committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw _file is null
                ? new CliException(ExitCode.OutputNotWritable, $"cannot write the report to stdout: {Reason(e)}", e)
                : Unwritable(_shown, e);
        }
    }

    /// <summary>Closes the file; removes the temporary file when the output was not written.</summary>
    public void Dispose()
    {
        try
        {
            _file?.Dispose(); // flushes what a failed write left in its buffer: it fails again
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

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

    /// <summary>The file a regular path finally names: symbolic links followed (the links stay).</summary>
    private static string FinalTarget(string path, string full)
    {
        try
        {
            return new FileInfo(full).LinkTarget is null ? full : File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException e)
        {
            throw Unwritable(path, e);
        }
    }

    /// <summary>Prepares a temporary file beside <paramref name="destination"/>, to be renamed over it.</summary>
    private static OutputFile OpenReplacing(ICliConsole console, string path, string destination)
    {
        string? directory = Path.GetDirectoryName(destination);
        if (directory is null || !Directory.Exists(directory))
        {
            throw Unwritable(path, $"directory {directory} does not exist");
        }

        if (UnixFiles.KernelFileSystemOf(directory) is var (mountPoint, type))
        {
            throw Unwritable(path, $"{mountPoint} is a kernel file system ({type}), not a place for files");
        }

        string temporary = Path.Combine(directory, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.tmp");
        FileStream stream;
        try
        {
            stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Unwritable(path, $"directory {directory} does not take new files ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(path, e);
        }

        var output = new OutputFile(console, path, destination, temporary, stream);
        try
        {
            // The report takes the place of the old file: keep its permissions.
            if (!OperatingSystem.IsWindows() && File.Exists(destination))
            {
                File.SetUnixFileMode(stream.SafeFileHandle, File.GetUnixFileMode(destination));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.Dispose();
            throw Unwritable(path, e);
        }

        return output;
    }

    /// <summary>Opens a FIFO, a device or a descriptor's file for writing as it is: no temporary file (a descriptor's
    /// regular file is truncated, as a shell's <c>&gt;</c> does).</summary>
    private static FileStream OpenStraight(string path, string full, FileMode mode)
    {
        try
        {
            return new FileStream(full, mode, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(path, e);
        }
    }

    private static CliException Unwritable(string path, Exception e) => Unwritable(path, Reason(e), e);

    private static CliException Unwritable(string path, string reason, Exception? inner = null) =>
        new(ExitCode.OutputNotWritable, $"cannot write output file {path}: {reason}", inner);

    /// <summary>What went wrong, without the temporary file's name that .NET puts in its messages.</summary>
    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException { HResult: ErrnoNoSpace } => "no space left on device",
        IOException { HResult: ErrnoQuota } => "disk quota exceeded",
        IOException { HResult: ErrnoFileTooLarge } => "file too large (for the file system, or the file size limit)",
        IOException { HResult: ErrnoReadOnlyFileSystem } => "read-only file system",
        _ => e.Message,
    };

    [GeneratedRegex(@"^(/dev/std(in|out|err)|/dev/fd/\d+|/proc/(self|thread-self|\d+)(/task/\d+)?/fd/\d+)$")]
    private static partial Regex DescriptorPath();
}
