using System.Diagnostics;
using System.Globalization;

namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// Stops threads of a process the way perf copies stacks: seize every thread (it keeps running), ask them all to stop,
/// and as each one stops copy its registers and the live part of its stack and release it at once. The stop costs a
/// copy, not a walk: the stacks are unwound from the copy later, while the process runs (<see cref="CopyDataReader"/>).
/// Every thread is released before <see cref="Copy"/> returns or throws, except one that did not stop by the
/// deadline: it is released by the tracer thread as soon as it stops (or by the kernel when that thread ends).
/// </summary>
internal sealed class StackCopier : IDisposable
{
    /// <summary>Bytes below the stack pointer that are copied too (the x86-64 red zone a leaf function may use).</summary>
    internal const int RedZone = 128;

    /// <summary>The most stack copied per thread; anything deeper is read from the live process.</summary>
    internal const int MaxStackBytes = 1 << 20;

    /// <summary>Bytes copied when the mapping of a stack pointer is not known (a thread newer than the last map read).</summary>
    internal const int UnmappedStackBytes = 256 << 10;

    /// <summary>Bytes copied from the start of the runtime's <c>Thread</c> object (its frame chain head and state).</summary>
    internal const int RuntimeThreadBytes = 1024;

    private readonly int _pid;
    private readonly TracerThread _tracer = new();
    private readonly MemoryMap _map = new();
    private bool _mapStale = true;
    private byte[] _arena = new byte[256 << 10];
    private int _used;

    public StackCopier(int pid)
    {
        _pid = pid;
    }

    /// <summary>Test hook: called on the tracer thread with the seized threads, before they are asked to stop (a
    /// test sends a signal here, which the traced thread then stops for).</summary>
    internal Action<IReadOnlyList<int>>? AfterSeize { get; set; }

    /// <summary>Test hook: called on the tracer thread after the threads were asked to stop and before any is
    /// copied (a test checks here that the target is stopped, or throws to check that it is released).</summary>
    internal Action? AfterInterrupt { get; set; }

    /// <summary>Test switch: protections turned off (read only when <see cref="SamplerTestHooks.Enabled"/>).</summary>
    internal SamplerProtections DisabledProtections { get; set; }

    /// <summary>Stops and copies <paramref name="targets"/>.</summary>
    /// <param name="targets">The threads to copy.</param>
    /// <param name="stopDeadline">How long to wait for a thread to stop before reporting it unreadable.</param>
    /// <returns>The copy; its memory stays valid until the next call.</returns>
    public ProcessCopy Copy(IReadOnlyList<CopyTarget> targets, TimeSpan stopDeadline)
    {
        _tracer.KeepPending = (SamplerTestHooks.Off(DisabledProtections) & SamplerProtections.ReleaseLateStoppers) != 0;
        return _tracer.Invoke(tracer => CopyOnTracer(tracer, targets, stopDeadline));
    }

    /// <summary>Test hook: releases the late threads that have stopped by now (as the tracer thread does between
    /// copies) and returns how many are still waiting to stop.</summary>
    internal int ReleasePendingNow() => _tracer.Invoke(tracer =>
    {
        tracer.ReleasePending();
        return tracer.Pending.Count;
    });

    /// <summary>Releases everything still traced and ends the tracer thread.</summary>
    public void Dispose() => _tracer.Dispose();

    private ProcessCopy CopyOnTracer(TracerThread tracer, IReadOnlyList<CopyTarget> targets, TimeSpan stopDeadline)
    {
        tracer.ReleasePending();
        if (_mapStale)
        {
            _mapStale = !_map.Load(_pid);
        }

        _used = 0;
        var copy = new ProcessCopy();
        var seized = new List<CopyTarget>(targets.Count);
        foreach (CopyTarget target in targets)
        {
            if (tracer.Pending.Contains(target.ThreadId))
            {
                copy.Unreadable.Add(new UnreadableThread(target.ThreadId, "still stopping from an earlier sample"));
                continue;
            }

            int error = LinuxTrace.Seize(target.ThreadId);
            if (error == 0)
            {
                seized.Add(target);
            }
            else if (error == LinuxTrace.ESRCH)
            {
                copy.Exited++;
            }
            else if (error == LinuxTrace.EPERM && LinuxTrace.TracerOf(_pid, target.ThreadId) is var other && other != 0)
            {
                copy.Unreadable.Add(new UnreadableThread(target.ThreadId, $"traced by another process (pid {other}{CommandOf(other)})"));
            }
            else if (error == LinuxTrace.EPERM)
            {
                copy.Refused++;
                copy.Unreadable.Add(new UnreadableThread(target.ThreadId, "no permission to trace it (EPERM)"));
            }
            else
            {
                copy.Unreadable.Add(new UnreadableThread(target.ThreadId, "cannot trace it: " + LinuxTrace.Describe(error)));
            }
        }

        if (SamplerTestHooks.Enabled)
        {
            AfterSeize?.Invoke(seized.Select(t => t.ThreadId).ToList());
        }

        SamplerProtections off = SamplerTestHooks.Off(DisabledProtections);
        long started = Stopwatch.GetTimestamp();
        var remaining = new List<CopyTarget>(seized.Count);
        var late = new List<int>();
        try
        {
            foreach (CopyTarget target in seized)
            {
                // A failed interrupt (the thread is exiting) still leaves it seized: wait for it like the others.
                LinuxTrace.Interrupt(target.ThreadId);
                remaining.Add(target);
            }

            if (SamplerTestHooks.Enabled)
            {
                AfterInterrupt?.Invoke();
            }

            long deadline = started + (long)(stopDeadline.TotalSeconds * Stopwatch.Frequency);
            var spin = new SpinWait();
            while (remaining.Count > 0)
            {
                if (stopDeadline <= TimeSpan.Zero)
                {
                    late.AddRange(remaining.Select(t => t.ThreadId));
                    break;
                }

                bool progressed = false;
                for (int i = remaining.Count - 1; i >= 0; i--)
                {
                    CopyTarget target = remaining[i];
                    TraceeState state = LinuxTrace.Poll(target.ThreadId, out int signal);
                    if (state == TraceeState.Running)
                    {
                        continue;
                    }

                    if (state == TraceeState.Stopped)
                    {
                        try
                        {
                            CopyThread(target, copy);
                        }
                        finally
                        {
                            LinuxTrace.Detach(target.ThreadId, (off & SamplerProtections.PassOnSignals) != 0 ? 0 : signal);
                        }
                    }
                    else
                    {
                        copy.Exited++;
                    }

                    remaining.RemoveAt(i);
                    progressed = true;
                }

                if (progressed)
                {
                    spin.Reset();
                }
                else if (Stopwatch.GetTimestamp() > deadline)
                {
                    late.AddRange(remaining.Select(t => t.ThreadId));
                    break;
                }
                else
                {
                    spin.SpinOnce(sleep1Threshold: -1); // yield, never sleep: the threads need the CPU to stop
                }
            }
        }
        finally
        {
            // On every path: release what stopped, leave the rest to be released as soon as it stops.
            foreach (CopyTarget target in (off & SamplerProtections.ReleaseOnFailure) != 0 ? [] : remaining)
            {
                switch (LinuxTrace.Poll(target.ThreadId, out int signal))
                {
                    case TraceeState.Stopped:
                        LinuxTrace.Detach(target.ThreadId, signal);
                        break;
                    case TraceeState.Running:
                        tracer.AddPending(target.ThreadId);
                        copy.LeftToRelease++;
                        break;
                }
            }

            copy.Stopped = Stopwatch.GetElapsedTime(started);
        }

        foreach (int tid in late)
        {
            copy.Unreadable.Add(new UnreadableThread(tid,
                string.Create(CultureInfo.InvariantCulture, $"did not stop within {stopDeadline.TotalMilliseconds:0} ms (state {LinuxTrace.StateOf(_pid, tid)})")));
        }

        copy.Seal();
        return copy;
    }

    private void CopyThread(CopyTarget target, ProcessCopy copy)
    {
        byte[] registers = new byte[LinuxTrace.X64RegistersSize];
        int error = LinuxTrace.GetRegistersX64(target.ThreadId, registers);
        if (error != 0)
        {
            copy.Unreadable.Add(new UnreadableThread(target.ThreadId, "cannot read its registers: " + LinuxTrace.Describe(error)));
            return;
        }

        ulong sp = X64Registers.StackPointer(registers);
        ulong low = (sp - RedZone) & ~7UL;
        ulong end = _map.EndOf(sp);
        int length;
        if (end > low)
        {
            length = (int)Math.Min(end - low, MaxStackBytes);
        }
        else
        {
            length = UnmappedStackBytes;
            _mapStale = true;
        }

        CopiedRange stack = Read(low, length);
        if (stack.Bytes.IsEmpty)
        {
            copy.Unreadable.Add(new UnreadableThread(target.ThreadId,
                string.Create(CultureInfo.InvariantCulture, $"cannot read its stack at 0x{sp:x}")));
            return;
        }

        CopiedRange runtimeThread = target.RuntimeThread != 0 && (SamplerTestHooks.Off(DisabledProtections) & SamplerProtections.CopyRuntimeThread) == 0
            ? Read(target.RuntimeThread, RuntimeThreadBytes)
            : default;
        copy.Add(stack);
        copy.Add(runtimeThread);
        copy.Threads[target.ThreadId] = new ThreadCopy(target.ThreadId, registers, stack, runtimeThread);
    }

    private CopiedRange Read(ulong address, int length)
    {
        if (_arena.Length - _used < length)
        {
            // The earlier ranges keep the old array alive; the new one takes the rest of this copy.
            _arena = new byte[Math.Max(_arena.Length * 2, length)];
            _used = 0;
        }

        int read = LinuxTrace.ReadMemory(_pid, address, _arena.AsSpan(_used, length));
        if (read <= 0)
        {
            return new CopiedRange(address, ReadOnlyMemory<byte>.Empty);
        }

        var range = new CopiedRange(address, _arena.AsMemory(_used, read));
        _used += (read + 7) & ~7;
        return range;
    }

    private static string CommandOf(int pid)
    {
        try
        {
            return ", " + File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
