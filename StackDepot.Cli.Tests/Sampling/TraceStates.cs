using System.Globalization;

namespace StackDepot.Cli.Tests.Sampling;

/// <summary>Who traces a process's threads, from /proc.</summary>
internal static class TraceStates
{
    /// <summary>The pid tracing each thread (0 when none).</summary>
    public static Dictionary<int, int> TracersOf(int pid)
    {
        var tracers = new Dictionary<int, int>();
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string line = File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("TracerPid:", StringComparison.Ordinal));
                tracers[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = int.Parse(line.AsSpan(10).Trim(), CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // the thread exited
            }
        }

        return tracers;
    }

    /// <summary>True when no thread is traced by anyone and none is stopped: the target is fully released.</summary>
    public static bool Released(int pid) => TracersOf(pid).Values.All(t => t == 0) && ThreadStates.Stopped(pid).Length == 0;

    /// <summary>The process's thread ids.</summary>
    public static int[] ThreadIds(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task").Select(t => int.Parse(Path.GetFileName(t), CultureInfo.InvariantCulture)).ToArray();
}
