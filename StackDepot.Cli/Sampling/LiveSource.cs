using System.Diagnostics;
using Microsoft.Diagnostics.Runtime;
using Serilog;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>Takes snapshots of a live process with ClrMD: each one attaches with suspend, walks and detaches at once.</summary>
/// <param name="pid">The process.</param>
/// <param name="walker">Walks the threads into frame ids and names them.</param>
/// <param name="log">Where the stop time of each snapshot is logged (debug).</param>
internal sealed class LiveSource(int pid, StackWalker walker, ILogger log) : IStackSource
{
    private readonly ThreadNames _names = new(pid);

    /// <inheritdoc/>
    public string Target => $"process {pid}";

    /// <inheritdoc/>
    public string Engine => "clrmd-suspend (target stopped for the whole walk)";

    /// <inheritdoc/>
    public bool TargetGone => !DotNetProcess.Exists(pid);

    /// <inheritdoc/>
    public bool StopsTarget => true;

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

    /// <summary>
    /// Attaches to the process (suspending it), walks every thread and detaches. The target is released before this
    /// returns or throws, whatever happens (error, timeout, cancellation).
    /// </summary>
    public Snapshot Capture(TimeSpan budget, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        DataTarget? target = null;
        var frozen = Stopwatch.StartNew();
        try
        {
            target = Attach(pid);
            ClrInfo clr = ClrRuntimes.Find(target)
                ?? throw new CliException(ExitCode.NotDotNet, $"process {pid} does not run a .NET (Core) runtime stackdepot can inspect");
            RuntimeVersion = ClrRuntimes.VersionOf(clr);
            StackWalker.Check(frozen, budget, cancellation);
            using ClrRuntime runtime = ClrRuntimes.Create(clr, $"process {pid}");
            Snapshot snapshot = walker.Walk(runtime, frozen, budget, cancellation);
            _names.Observe(runtime, snapshot.Threads);
            snapshot.Frozen = frozen.Elapsed;
            return snapshot;
        }
        finally
        {
            target?.Dispose(); // detaches: the target runs again
            frozen.Stop();
            log.Debug("Process {Pid} was stopped for {Ms:0.0} ms", pid, frozen.Elapsed.TotalMilliseconds);
        }
    }

    /// <summary>Attaches to <paramref name="pid"/>, suspending it; the failures are the CLI's (no such process, no
    /// permission...). The caller detaches by disposing the result.</summary>
    internal static DataTarget Attach(int pid)
    {
        try
        {
            return DataTarget.AttachToProcess(pid, suspend: true);
        }
        catch (Exception e) when (AttachFailure(pid, e) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>The error to report for an exception ClrMD threw while attaching to <paramref name="pid"/>; null for
    /// an exception that is not an attach failure.</summary>
    internal static CliException? AttachFailure(int pid, Exception e) => e switch
    {
        CliException => null,
        ArgumentException or DirectoryNotFoundException or FileNotFoundException => new CliException(ExitCode.NoSuchProcess, $"no such process: {pid}", e),
        _ when !DotNetProcess.Exists(pid) => new CliException(ExitCode.NoSuchProcess, $"no such process: {pid}", e),
        UnauthorizedAccessException => DotNetProcess.PermissionDenied(pid, e),
        ClrDiagnosticsException when e.Message.Contains("PTRACE_ATTACH", StringComparison.Ordinal) || e.Message.Contains("ermission", StringComparison.Ordinal) =>
            DotNetProcess.PermissionDenied(pid, e),
        ClrDiagnosticsException or IOException or InvalidOperationException or PlatformNotSupportedException =>
            new CliException(ExitCode.Failure, $"cannot attach to process {pid}: {e.Message}", e),
        _ => null,
    };
}
