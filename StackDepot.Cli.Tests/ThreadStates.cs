using System.Globalization;

namespace StackDepot.Cli.Tests;

/// <summary>The scheduler states of a process's threads, from /proc, and waits on them.</summary>
internal static class ThreadStates
{
    /// <summary>Each live thread's state letter (R, S, D, t for a ptrace stop, T for a job-control stop...).</summary>
    public static Dictionary<int, char> Of(int pid)
    {
        var states = new Dictionary<int, char>();
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                states[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = stat[stat.LastIndexOf(')') + 2];
            }
            catch (IOException)
            {
                // the thread exited
            }
        }

        return states;
    }

    /// <summary>The threads in a stop (ptrace or job control).</summary>
    public static int[] Stopped(int pid) => Of(pid).Where(p => p.Value is 't' or 'T').Select(p => p.Key).ToArray();

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(1);
        }
    }
}
