using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;
using Serilog;
using StackDepot.Cli.Targets;

namespace StackDepot.Cli.Sampling;

/// <summary>Takes snapshots of a live process: each one attaches with suspend, walks and detaches at once.</summary>
internal static class LiveSource
{
    /// <summary>
    /// Attaches to <paramref name="pid"/> (suspending it), walks every thread and detaches. The target is released
    /// before this returns or throws, whatever happens (error, timeout, cancellation).
    /// </summary>
    public static Snapshot Capture(int pid, StackWalker walker, TimeSpan budget, CancellationToken cancellation, out string runtimeVersion)
    {
        cancellation.ThrowIfCancellationRequested();
        DataTarget? target = null;
        var frozen = Stopwatch.StartNew();
        try
        {
            target = Attach(pid);
            ClrInfo clr = FindRuntime(target)
                ?? throw new CliException(ExitCode.NotDotNet, $"process {pid} does not run a .NET (Core) runtime stackdepot can inspect");
            runtimeVersion = VersionOf(clr);
            StackWalker.Check(frozen, budget, cancellation);
            using ClrRuntime runtime = CreateRuntime(clr, $"process {pid}");
            Snapshot snapshot = walker.Walk(runtime, frozen, budget, cancellation);
            snapshot.Frozen = frozen.Elapsed;
            return snapshot;
        }
        finally
        {
            target?.Dispose(); // detaches: the target runs again
            frozen.Stop();
            Log.Debug("Process {Pid} was stopped for {Ms:0.0} ms", pid, frozen.Elapsed.TotalMilliseconds);
        }
    }

    private static DataTarget Attach(int pid)
    {
        try
        {
            return DataTarget.AttachToProcess(pid, suspend: true);
        }
        catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException or FileNotFoundException || !DotNetProcess.Exists(pid))
        {
            throw new CliException(ExitCode.NoSuchProcess, $"no such process: {pid}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw DotNetProcess.PermissionDenied(pid, e);
        }
        catch (ClrDiagnosticsException e) when (e.Message.Contains("PTRACE_ATTACH", StringComparison.Ordinal) || e.Message.Contains("ermission", StringComparison.Ordinal))
        {
            throw DotNetProcess.PermissionDenied(pid, e);
        }
        catch (Exception e) when (e is ClrDiagnosticsException or IOException or InvalidOperationException or PlatformNotSupportedException)
        {
            throw new CliException(ExitCode.Failure, $"cannot attach to process {pid}: {e.Message}", e);
        }
    }

    /// <summary>The runtime version: ClrMD's, or on Linux the shared-framework directory the runtime was loaded from.</summary>
    internal static string VersionOf(ClrInfo clr)
    {
        if (clr.Version is { Major: > 0 } version)
        {
            return version.ToString();
        }

        string? directory = Path.GetFileName(Path.GetDirectoryName(clr.ModuleInfo.FileName));
        return directory is not null && Version.TryParse(directory.Split('-')[0], out _) ? directory : "unknown version";
    }

    internal static ClrInfo? FindRuntime(DataTarget target) =>
        target.ClrVersions.FirstOrDefault(c => c.Flavor == ClrFlavor.Core) ?? target.ClrVersions.FirstOrDefault();

    internal static ClrRuntime CreateRuntime(ClrInfo clr, string what)
    {
        try
        {
            return clr.CreateRuntime();
        }
        catch (Exception e) when (e is ClrDiagnosticsException or FileNotFoundException or DllNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            throw new CliException(ExitCode.Failure,
                $"cannot load the debugging support (DAC) for .NET {clr.Version} of {what}: {e.Message}", e);
        }
    }
}

/// <summary>Reads the one snapshot a dump file holds.</summary>
internal static class DumpSource
{
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
    public static Snapshot Capture(string path, StackWalker walker, TimeSpan budget, CancellationToken cancellation, out string runtimeVersion)
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

        using (target)
        {
            if (target.DataReader.Architecture != RuntimeInformation.ProcessArchitecture)
            {
                throw new CliException(ExitCode.ArchitectureMismatch,
                    $"{path} is a dump of a {target.DataReader.Architecture.ToString().ToLowerInvariant()} process but stackdepot runs as " +
                    $"{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}");
            }

            ClrInfo clr;
            try
            {
                clr = LiveSource.FindRuntime(target)
                    ?? throw new CliException(ExitCode.BadDump, $"{path} holds no .NET runtime (not a dump of a .NET process, or too damaged)");
            }
            catch (Exception e) when (e is InvalidDataException or IOException or EndOfStreamException or OverflowException or IndexOutOfRangeException)
            {
                throw new CliException(ExitCode.BadDump, $"{path} is corrupt: {e.Message}", e);
            }

            runtimeVersion = LiveSource.VersionOf(clr);
            using ClrRuntime runtime = LiveSource.CreateRuntime(clr, path);
            return walker.Walk(runtime, Stopwatch.StartNew(), budget, cancellation);
        }
    }
}
