using System.Globalization;
using System.Runtime.InteropServices;

namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// The Linux calls behind the copying engine: ptrace (seize, interrupt, wait, registers, detach) on single threads,
/// and process_vm_readv to copy memory. ptrace requests must come from the thread that seized the tracee:
/// <see cref="TracerThread"/> runs them all.
/// </summary>
internal static unsafe class LinuxTrace
{
    public const int EPERM = 1;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int ECHILD = 10;

    private const int PTRACE_GETREGS = 12;
    private const int PTRACE_DETACH = 17;
    private const int PTRACE_SEIZE = 0x4206;
    private const int PTRACE_INTERRUPT = 0x4207;
    private const int PTRACE_EVENT_STOP = 128;
    private const int WNOHANG = 1;
    private const int WALL = 0x40000000;

    /// <summary>Size of <c>struct user_regs_struct</c> on x86-64.</summary>
    public const int X64RegistersSize = 27 * 8;

    /// <summary>Attaches to one thread without stopping it. Returns 0 or an errno.</summary>
    public static int Seize(int tid) => ptrace(PTRACE_SEIZE, tid, 0, 0) < 0 ? Marshal.GetLastPInvokeError() : 0;

    /// <summary>Asks a seized thread to stop (it stops at once, or on its way back to user space). Returns 0 or an errno.</summary>
    public static int Interrupt(int tid) => ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 ? Marshal.GetLastPInvokeError() : 0;

    /// <summary>Releases a stopped tracee, delivering <paramref name="signal"/> (0 for none). Returns 0 or an errno.</summary>
    public static int Detach(int tid, int signal) => ptrace(PTRACE_DETACH, tid, 0, signal) < 0 ? Marshal.GetLastPInvokeError() : 0;

    /// <summary>Reads the general registers (<c>user_regs_struct</c>) of a stopped x86-64 tracee.</summary>
    public static int GetRegistersX64(int tid, Span<byte> registers)
    {
        if (registers.Length < X64RegistersSize)
        {
            throw new ArgumentException("buffer too small for user_regs_struct", nameof(registers));
        }

        fixed (byte* data = registers)
        {
            return ptrace(PTRACE_GETREGS, tid, 0, (nint)data) < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
    }

    /// <summary>What a non-blocking wait on one tracee found.</summary>
    public static TraceeState Poll(int tid, out int signal)
    {
        signal = 0;
        int status;
        int result;
        do
        {
            result = waitpid(tid, &status, WALL | WNOHANG);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);

        if (result == 0)
        {
            return TraceeState.Running;
        }

        if (result < 0)
        {
            return TraceeState.Gone; // ECHILD: not our tracee anymore (it exited and was reaped, or was never seized)
        }

        if ((status & 0xff) != 0x7f)
        {
            return TraceeState.Gone; // exited, or killed by a signal
        }

        // Stopped: (status >> 8) & 0xff is the signal; (status >> 16) is the ptrace event.
        int stopSignal = (status >> 8) & 0xff;
        int trapEvent = (status >> 16) & 0xff;
        if (trapEvent == PTRACE_EVENT_STOP)
        {
            // Our interrupt, or a group stop (SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU): nothing to pass on.
            return TraceeState.Stopped;
        }

        // A signal-delivery stop: the thread was about to receive stopSignal; pass it on at detach.
        signal = stopSignal;
        return TraceeState.Stopped;
    }

    /// <summary>Copies <paramref name="buffer"/>.Length bytes from <paramref name="address"/> in <paramref name="pid"/>;
    /// returns the bytes copied (fewer when the range runs into unmapped memory), or -errno.</summary>
    public static int ReadMemory(int pid, ulong address, Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        fixed (byte* data = buffer)
        {
            var local = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var remote = new IoVec { Base = (void*)address, Length = (nuint)buffer.Length };
            nint read = process_vm_readv(pid, &local, 1, &remote, 1, 0);
            return read < 0 ? -Marshal.GetLastPInvokeError() : (int)read;
        }
    }

    /// <summary>The pid of the process tracing <paramref name="tid"/> (0 when none), from /proc.</summary>
    public static int TracerOf(int pid, int tid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/task/{tid}/status"))
            {
                if (line.StartsWith("TracerPid:", StringComparison.Ordinal))
                {
                    return int.TryParse(line.AsSpan(10).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int tracer) ? tracer : 0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>The scheduler state letter of a thread (R, S, D, T, t, Z...), or '?' when unknown.</summary>
    public static char StateOf(int pid, int tid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/task/{tid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return '?';
        }
    }

    /// <summary>The errno as a short text.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [DllImport("libc", SetLastError = true)]
    private static extern nint ptrace(int request, int pid, nint address, nint data);

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, int* status, int options);

    [DllImport("libc", SetLastError = true)]
    private static extern nint process_vm_readv(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }
}
