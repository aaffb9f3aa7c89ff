using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>Reads the one snapshot a dump file holds, with ClrMD.</summary>
/// <param name="path">The dump file.</param>
/// <param name="walker">Walks the threads into frame ids and names them.</param>
internal sealed class DumpSource(string path, StackWalker walker) : IStackSource
{
    /// <summary>More than any dump file can hold (256 TiB, the reach of 48-bit addresses): a segment table that needs
    /// more is damaged, not cut short.</summary>
    private const ulong MaxPlausibleLength = 1UL << 48;

    private readonly ThreadNames _names = new(null);

    /// <inheritdoc/>
    public string Target => $"dump {path}";

    /// <inheritdoc/>
    public string Engine => "clrmd (dump)";

    /// <inheritdoc/>
    public bool TargetGone => false;

    /// <inheritdoc/>
    public bool StopsTarget => false;

    /// <inheritdoc/>
    public string RuntimeVersion { get; private set; } = "?";

    /// <inheritdoc/>
    public ReportFrame GetFrame(ulong frameId) => walker.Frames.Get(frameId);

    /// <inheritdoc/>
    public ThreadInfo DescribeThread(int threadId) => _names.Describe(threadId);

    /// <inheritdoc/>
    public void Open()
    {
    }

    /// <inheritdoc/>
    public void Finish()
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>Checks the file before ClrMD sees it: present, a core dump or minidump, complete, our architecture.</summary>
    public static void Check(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliException(ExitCode.BadDump, $"{path} is a directory, not a dump file");
        }

        if (!File.Exists(path))
        {
            throw new CliException(ExitCode.BadDump, $"dump file not found: {path}");
        }

        try
        {
            using FileStream stream = File.OpenRead(path);
            long length = stream.Length;
            if (length == 0)
            {
                throw new CliException(ExitCode.BadDump, $"{path} is empty, not a dump");
            }

            Span<byte> magic = stackalloc byte[4];
            int read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            if (read == 4 && magic.SequenceEqual("MDMP"u8))
            {
                return; // Windows minidump: ClrMD checks it and the architecture is compared after loading.
            }

            if (read == 4 && (magic.SequenceEqual(new byte[] { 0xcf, 0xfa, 0xed, 0xfe })))
            {
                return; // Mach-O core
            }

            ElfHeader? header = ElfHeader.Read(stream);
            if (header is null || header.Type != ElfHeader.TypeCore)
            {
                throw new CliException(ExitCode.BadDump, $"{path} is not a dump file (no ELF core, minidump or Mach-O core header)");
            }

            if (header.Architecture != RuntimeInformation.ProcessArchitecture)
            {
                throw new CliException(ExitCode.ArchitectureMismatch,
                    $"{path} is a dump of a {header.MachineName} process but stackdepot runs as {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}; " +
                    "read it with a stackdepot built for that architecture");
            }

            ulong? required = header.RequiredLength(stream, length);
            if (required is null || required.Value > (ulong)length)
            {
                throw new CliException(ExitCode.BadDump,
                    required is null
                        ? $"{path} is truncated or corrupt: its segment table lies beyond the end of the file ({length} bytes)"
                        : required.Value > MaxPlausibleLength
                            ? $"{path} is corrupt: its segment table places data {required.Value} bytes into the file, which has {length}"
                            : $"{path} is truncated: its segments need {required.Value} bytes but the file has {length}");
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(ExitCode.BadDump, $"cannot read dump file {path}: permission denied", e);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCode.BadDump, $"cannot read dump file {path}: {e.Message}", e);
        }
    }

    /// <summary>Loads the dump and walks its threads.</summary>
    public Snapshot Capture(TimeSpan budget, CancellationToken cancellation)
    {
        (DataTarget target, ClrInfo clr) = Open(path);
        using (target)
        {
            RuntimeVersion = ClrRuntimes.VersionOf(clr);
            using ClrRuntime runtime = ClrRuntimes.Create(clr, path, isDump: true);
            Snapshot snapshot = walker.Walk(runtime, Stopwatch.StartNew(), budget, cancellation);
            _names.Observe(runtime, snapshot.Threads);
            return snapshot;
        }
    }

    /// <summary>Checks and loads a dump and finds its .NET runtime; the failures are the CLI's (not a dump, another
    /// architecture, no runtime...). The caller disposes the target.</summary>
    internal static (DataTarget Target, ClrInfo Runtime) Open(string path)
    {
        Check(path);
        DataTarget target;
        try
        {
            target = DataTarget.LoadDump(path);
        }
        catch (Exception e) when (e is InvalidDataException or ClrDiagnosticsException or IOException or NotSupportedException or EndOfStreamException or ArgumentException or OverflowException)
        {
            throw new CliException(ExitCode.BadDump, $"{path} is not a readable dump: {e.Message}", e);
        }

        try
        {
            if (target.DataReader.Architecture != RuntimeInformation.ProcessArchitecture)
            {
                throw new CliException(ExitCode.ArchitectureMismatch,
                    $"{path} is a dump of a {target.DataReader.Architecture.ToString().ToLowerInvariant()} process but stackdepot runs as " +
                    $"{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}");
            }

            try
            {
                ClrInfo clr = ClrRuntimes.Find(target)
                    ?? throw new CliException(ExitCode.BadDump, $"{path} holds no .NET runtime (not a dump of a .NET process, or too damaged)");
                return (target, clr);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or EndOfStreamException or OverflowException or IndexOutOfRangeException)
            {
                throw new CliException(ExitCode.BadDump, $"{path} is corrupt: {e.Message}", e);
            }
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }
}
