using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Diagnostics.NETCore.Client;

namespace StackDepot.Cli.Targets;

/// <summary>Finds processes and checks that one can be inspected before attaching to it.</summary>
internal static class DotNetProcess
{
    /// <summary>The .NET processes that publish a diagnostics endpoint, except this one, ordered by pid.</summary>
    public static List<ProcessEntry> List()
    {
        var result = new List<ProcessEntry>();
        foreach (int pid in PublishedProcesses().Distinct().Order())
        {
            if (pid == Environment.ProcessId)
            {
                continue;
            }

            ProcessEntry? entry = Describe(pid);
            if (entry is not null)
            {
                result.Add(entry);
            }
        }

        return result;
    }

    /// <summary>
    /// Pids with a .NET diagnostics endpoint. On Linux this looks for the runtime's IPC sockets
    /// (<c>dotnet-diagnostic-PID-*-socket</c>) in the temporary directory of this process and of every process that sets
    /// its own TMPDIR, skipping processes that vanish or cannot be read (DiagnosticsClient's own scan fails on those).
    /// </summary>
    private static IEnumerable<int> PublishedProcesses()
    {
        if (!OperatingSystem.IsLinux())
        {
            return DiagnosticsClient.GetPublishedProcesses();
        }

        var directories = new HashSet<string>(StringComparer.Ordinal) { Path.GetTempPath() };
        foreach (string proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                foreach (string variable in File.ReadAllText(Path.Combine(proc, "environ")).Split('\0'))
                {
                    if (variable.StartsWith("TMPDIR=", StringComparison.Ordinal) && variable.Length > 7)
                    {
                        directories.Add(variable[7..]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        var pids = new HashSet<int>();
        foreach (string directory in directories)
        {
            try
            {
                foreach (string socket in Directory.EnumerateFiles(directory, "dotnet-diagnostic-*-socket"))
                {
                    if (EndpointOwner(Path.GetFileName(socket)) is { } pid)
                    {
                        pids.Add(pid);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return pids;
    }

    /// <summary>
    /// The pid of the running process that published a diagnostics socket named <paramref name="socketName"/>
    /// (<c>dotnet-diagnostic-PID-KEY-socket</c>), or null when the socket is stale. The runtime's KEY is its process's
    /// start time (field 22 of <c>/proc/PID/stat</c>); sockets of processes that died without removing them stay
    /// behind, and their pid may since belong to another process or to a thread (whose <c>/proc/TID</c> exists too).
    /// </summary>
    internal static int? EndpointOwner(string socketName)
    {
        string[] parts = socketName.Split('-');
        if (parts.Length != 5 || parts[0] != "dotnet" || parts[1] != "diagnostic" || parts[4] != "socket" ||
            !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ||
            !ulong.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out ulong key))
        {
            return null;
        }

        return ProcessGroupOf(pid) == pid && StartTime(pid) == key ? pid : null;
    }

    /// <summary>The process (thread group) a Linux task id belongs to: itself for a process, its process for a
    /// thread; null when there is no such task. Elsewhere: <paramref name="pid"/> while it exists.</summary>
    internal static int? ProcessGroupOf(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Exists(pid) ? pid : null;
        }

        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("Tgid:", StringComparison.Ordinal) &&
                    int.TryParse(line.AsSpan(5).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int tgid))
                {
                    return tgid;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>A Linux task's start time in clock ticks after boot (field 22 of <c>/proc/PID/stat</c>); null when
    /// unreadable.</summary>
    private static ulong? StartTime(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int end = stat.LastIndexOf(')'); // the command name (field 2) may hold spaces and parentheses
            string[] fields = stat[(end + 2)..].Split(' ');
            return fields.Length > 19 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start) ? start : null; // fields[0] is field 3
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Name and command line of a process; null when it does not exist (anymore).</summary>
    public static ProcessEntry? Describe(int pid)
    {
        string executable;
        try
        {
            using Process process = Process.GetProcessById(pid);
            executable = process.ProcessName;
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        string[]? args = ReadArguments(pid);
        string name = executable;
        if (args is { Length: > 1 } && string.Equals(Path.GetFileNameWithoutExtension(args[0]), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            string? dll = args.Skip(1).FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
            if (dll is not null)
            {
                name = Path.GetFileNameWithoutExtension(dll);
            }
        }

        return new ProcessEntry(pid, name, executable, args is null ? null : JoinArguments(args));
    }

    /// <summary>The pid of <paramref name="pid"/> or of the one process named <paramref name="name"/>.</summary>
    /// <exception cref="CliException">No or several matching processes, or neither/both given.</exception>
    public static int Resolve(int? pid, string? name)
    {
        if (pid is not null && name is not null)
        {
            throw new CliException(ExitCode.Usage, "give either --pid or --name, not both");
        }

        if (pid is { } id)
        {
            if (id <= 0)
            {
                throw new CliException(ExitCode.Usage, $"--pid must be a positive process id, not {id}");
            }

            return id;
        }

        if (name is null)
        {
            throw new CliException(ExitCode.Usage, "give a target: --pid N or --name NAME");
        }

        List<ProcessEntry> matches = List().Where(p =>
            string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(p.Executable, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            0 => throw new CliException(ExitCode.NoSuchProcess, $"no .NET process named '{name}' (see 'stackdepot ps')"),
            1 => matches[0].Pid,
            _ => throw new CliException(ExitCode.Usage,
                $"{matches.Count} processes are named '{name}' (pids {string.Join(", ", matches.Select(m => m.Pid))}); choose one with --pid"),
        };
    }

    /// <summary>Checks that <paramref name="pid"/> names a running process other than this one (not one of its
    /// threads, whose ids Linux also lists under <c>/proc</c>).</summary>
    /// <exception cref="CliException">It is stackdepot itself, or no such process.</exception>
    public static void CheckIsProcess(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            throw new CliException(ExitCode.Usage, $"pid {pid} is stackdepot itself; a process cannot suspend and inspect itself");
        }

        if (!Exists(pid))
        {
            throw new CliException(ExitCode.NoSuchProcess, $"no such process: {pid}");
        }

        if (ProcessGroupOf(pid) is { } process && process != pid)
        {
            throw new CliException(ExitCode.NoSuchProcess, $"no such process: {pid} is a thread of process {process}; use --pid {process}");
        }
    }

    /// <summary>Checks what can be checked before attaching: a process other than this one, same architecture,
    /// readable.</summary>
    /// <exception cref="CliException">The process cannot be inspected.</exception>
    public static void CheckCanAttach(int pid)
    {
        CheckIsProcess(pid);

        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // /proc/PID/exe needs the same ptrace access as attaching: a denial here is a permission problem.
        try
        {
            using FileStream exe = File.OpenRead($"/proc/{pid}/exe");
            ElfHeader? header = ElfHeader.Read(exe);
            if (header?.Architecture is { } architecture && architecture != RuntimeInformation.ProcessArchitecture)
            {
                throw new CliException(ExitCode.ArchitectureMismatch,
                    $"process {pid} is {header.MachineName} but stackdepot runs as {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}; " +
                    "run a stackdepot built for the target's architecture");
            }
        }
        catch (UnauthorizedAccessException)
        {
            throw PermissionDenied(pid);
        }
        catch (IOException) when (!Exists(pid))
        {
            throw new CliException(ExitCode.NoSuchProcess, $"no such process: {pid} (it exited)");
        }
        catch (IOException)
        {
            // Kernel threads and some special processes have no readable exe; let the attach decide.
        }
    }

    /// <summary>True while a process with this id exists and has not exited (a zombie waiting for its parent to
    /// collect it has exited).</summary>
    public static bool Exists(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                int close = stat.LastIndexOf(')');
                return close < 0 || close + 2 >= stat.Length || stat[close + 2] is not ('Z' or 'X');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Directory.Exists($"/proc/{pid}");
            }
        }

        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// The error for a diagnostics endpoint (the runtime's IPC socket) that could not be reached: the process exited, its
    /// socket belongs to another user (connecting was denied), or it has none (not .NET, or
    /// <c>DOTNET_EnableDiagnostics=0</c>).
    /// </summary>
    public static CliException EndpointUnreachable(int pid, ServerNotAvailableException e)
    {
        if (!Exists(pid))
        {
            return new CliException(ExitCode.NoSuchProcess, $"no such process: {pid} (it exited)", e);
        }

        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied } or UnauthorizedAccessException)
            {
                return new CliException(ExitCode.PermissionDenied,
                    $"no permission to connect to the .NET diagnostics endpoint of process {pid} (its socket belongs to another user): run stackdepot as the target's user or as root", e);
            }
        }

        return new CliException(ExitCode.NotDotNet, $"process {pid} has no .NET diagnostics endpoint: not a .NET process, or started with DOTNET_EnableDiagnostics=0", e);
    }

    /// <summary>The error for a denied attach, naming what would grant it.</summary>
    public static CliException PermissionDenied(int pid, Exception? inner = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new CliException(ExitCode.PermissionDenied,
                $"no permission to attach to process {pid}: run stackdepot as the same user as the target or as administrator", inner);
        }

        string scope = "";
        try
        {
            scope = $" (it is {File.ReadAllText("/proc/sys/kernel/yama/ptrace_scope").Trim()})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return new CliException(ExitCode.PermissionDenied,
            $"no permission to attach to process {pid} (ptrace): run as root or with CAP_SYS_PTRACE " +
            $"(e.g. docker --cap-add SYS_PTRACE), or, for a process of your own user, set /proc/sys/kernel/yama/ptrace_scope to 0{scope}",
            inner);
    }

    private static string[]? ReadArguments(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            byte[] raw = File.ReadAllBytes($"/proc/{pid}/cmdline");
            if (raw.Length == 0)
            {
                return null;
            }

            return Encoding.UTF8.GetString(raw).TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string JoinArguments(string[] args) =>
        string.Join(' ', args.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? "\"" + a.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : a));

    /// <summary>The pid as text.</summary>
    public static string Text(int pid) => pid.ToString(CultureInfo.InvariantCulture);
}
