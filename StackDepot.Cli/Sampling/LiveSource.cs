using System.Diagnostics;
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
