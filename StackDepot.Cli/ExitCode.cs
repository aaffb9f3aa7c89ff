namespace StackDepot.Cli;

/// <summary>The documented exit codes of <c>stackdepot</c> (see docs/cli.md). Keep the two in step.</summary>
internal enum ExitCode
{
    /// <summary>Done.</summary>
    Success = 0,

    /// <summary>Unexpected failure (a bug, or an error without a better code).</summary>
    Failure = 1,

    /// <summary>Bad arguments: unknown option, bad value, missing or conflicting target, ambiguous name, the tool's own process.</summary>
    Usage = 2,

    /// <summary>No such process (or it exited before it could be inspected).</summary>
    NoSuchProcess = 3,

    /// <summary>The process runs no .NET runtime this tool can inspect (or has no diagnostics endpoint, for <c>dump</c>).</summary>
    NotDotNet = 4,

    /// <summary>No permission to attach (ptrace) or to read the process.</summary>
    PermissionDenied = 5,

    /// <summary>The target (process or dump) is of another architecture than the tool.</summary>
    ArchitectureMismatch = 6,

    /// <summary>The dump file is missing, unreadable, truncated, corrupt or holds no .NET runtime.</summary>
    BadDump = 7,

    /// <summary>The output file cannot be written.</summary>
    OutputNotWritable = 8,

    /// <summary>Every sample exceeded <c>--timeout</c> (or the demo workload did not get ready in time).</summary>
    Timeout = 9,

    /// <summary>The command given after <c>--</c> could not be started, or exited before its runtime connected.</summary>
    CommandFailed = 10,

    /// <summary>A capture given to <c>diff</c> is missing, unreadable, corrupt, or neither a JSON report nor a pprof profile.</summary>
    BadCapture = 11,

    /// <summary>The two captures given to <c>diff</c> hold different kinds of values (thread stacks against allocations).</summary>
    IncomparableCaptures = 12,

    /// <summary>Interrupted by Ctrl-C / SIGINT; the target was released first (a sampling run writes the report of what
    /// it collected before).</summary>
    Canceled = 130,

    /// <summary>Terminated by SIGTERM; the target was released first (a sampling run writes the report of what it
    /// collected before).</summary>
    Terminated = 143,
}
