using System.Globalization;

namespace StackDepot.Cli.Targets;

/// <summary>The names a live process gave its threads, as the kernel keeps them (<c>/proc/PID/task/TID/comm</c>: the
/// name set with <c>Thread.Name</c>, cut to 15 bytes by the kernel).</summary>
internal static class ThreadNames
{
    /// <summary>The names of those of <paramref name="threadIds"/> that still run and can be read; empty off Linux.</summary>
    public static Dictionary<int, string> Read(int pid, IEnumerable<int> threadIds)
    {
        var names = new Dictionary<int, string>();
        if (!OperatingSystem.IsLinux())
        {
            return names;
        }

        foreach (int tid in threadIds)
        {
            try
            {
                string name = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/task/{tid}/comm")).TrimEnd('\n');
                if (name.Length > 0)
                {
                    names[tid] = name;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread ended after its snapshot: no name.
            }
        }

        return names;
    }
}
