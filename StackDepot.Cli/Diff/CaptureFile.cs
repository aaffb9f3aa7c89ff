using StackDepot.Pprof;
using StackDepot.Reporting;

namespace StackDepot.Cli.Diff;

/// <summary>A capture to compare: a report that <c>stackdepot</c> (or the library) wrote as JSON or pprof.</summary>
internal static class CaptureFile
{
    /// <summary>Reads <paramref name="path"/>, telling JSON (<c>{</c>) from pprof (gzip or protobuf) by its first bytes.</summary>
    /// <param name="path">The file.</param>
    /// <param name="role">"BASE" or "NEW", for messages.</param>
    /// <exception cref="CliException"><see cref="ExitCode.BadCapture"/>: missing, unreadable, corrupt or another format.</exception>
    public static StackReport Read(string path, string role)
    {
        byte[] data;
        try
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path))
            {
                throw new CliException(ExitCode.BadCapture, $"{role} file {path} is a directory");
            }

            if (!info.Exists)
            {
                throw new CliException(ExitCode.BadCapture, $"{role} file {path} does not exist");
            }

            if (info.Length > PprofReportReader.MaxProfileBytes)
            {
                throw new CliException(ExitCode.BadCapture, $"{role} file {path} is larger than {PprofReportReader.MaxProfileBytes >> 20} MiB");
            }

            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCode.BadCapture, $"cannot read {role} file {path}: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}", e);
        }

        int first = Array.FindIndex(data, b => b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'));
        try
        {
            if (first >= 0 && data[first] == (byte)'{')
            {
                return JsonReportReader.Read(new MemoryStream(data));
            }

            if (PprofReportReader.LooksLikeProfile(data))
            {
                return PprofReportReader.Read(new MemoryStream(data));
            }
        }
        catch (InvalidDataException e)
        {
            throw new CliException(ExitCode.BadCapture, $"{role} file {path} is {e.Message}", e);
        }

        throw new CliException(ExitCode.BadCapture,
            $"{role} file {path} is {(data.Length == 0 ? "empty" : "neither a stackdepot JSON report nor a pprof profile")} (write captures with --format json or --format pprof)");
    }
}
