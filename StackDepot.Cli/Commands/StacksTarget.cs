using StackDepot.Cli.Options;
using StackDepot.Cli.Sampling;
using StackDepot.Cli.Targets;

namespace StackDepot.Cli.Commands;

/// <summary>The process or dump <c>stacks</c> reads, checked before it is touched, with the header facts it gives.</summary>
/// <param name="Pid">The live process, or null for a dump.</param>
/// <param name="DumpPath">The dump, or null for a live process.</param>
/// <param name="Subject">How titles name it: <c>of Harbor (pid 4242)</c>, <c>in dump app.core</c>.</param>
/// <param name="Properties">The first header facts: <c>pid</c> and <c>process</c>, or <c>dump</c>.</param>
/// <param name="FileSystemRoot">For a live process on Linux, <c>/proc/PID/root</c>: the target's files (assemblies,
/// PDBs) as it sees them, also inside a container; null otherwise.</param>
internal sealed record StacksTarget(int? Pid, string? DumpPath, string Subject, IReadOnlyDictionary<string, string> Properties, string? FileSystemRoot = null)
{
    /// <summary>Resolves and checks the selection: a dump file that exists and is a dump, or one process that exists,
    /// is not stackdepot and may be attached to.</summary>
    /// <exception cref="CliException">The target is not usable (the message says why).</exception>
    public static StacksTarget Resolve(TargetSelection selection)
    {
        if (selection.DumpPath is { } dump)
        {
            DumpSource.Check(dump);
            return new StacksTarget(null, dump, $"in dump {Path.GetFileName(dump)}", new Dictionary<string, string> { ["dump"] = dump });
        }

        int pid = DotNetProcess.Resolve(selection.Pid, selection.Name);
        DotNetProcess.CheckCanAttach(pid);
        string processName = DotNetProcess.Describe(pid)?.Name ?? "?";
        return new StacksTarget(pid, null, $"of {processName} (pid {pid})",
            new Dictionary<string, string> { ["pid"] = DotNetProcess.Text(pid), ["process"] = processName },
            OperatingSystem.IsLinux() ? $"/proc/{DotNetProcess.Text(pid)}/root" : null);
    }
}
