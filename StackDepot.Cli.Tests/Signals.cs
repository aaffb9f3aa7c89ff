using System.Runtime.InteropServices;

namespace StackDepot.Cli.Tests;

/// <summary>Sends signals to processes and threads.</summary>
internal static class Signals
{
    public const int SIGKILL = 9;
    public const int SIGINT = 2;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGWINCH = 28;

    /// <summary>kill(2): 0, or -1 with errno set.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);

    /// <summary>tgkill(2): a signal to one thread of a process.</summary>
    [DllImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    public static extern int Tgkill(int pid, int tid, int signal);
}
