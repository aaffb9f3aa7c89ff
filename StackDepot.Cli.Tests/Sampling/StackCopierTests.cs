using StackDepot.Cli.Sampling;
using StackDepot.Cli.Sampling.Ptrace;

namespace StackDepot.Cli.Tests.Sampling;

/// <summary>
/// The copying engine's stop, in this process against a target of each test's own (started under a shell: a .NET
/// process reaps its own children's state changes, which would steal the ptrace stops). Each protection is shown twice:
/// the test with it on asserts the target is released (or the signal kept), and with it switched off
/// (<see cref="SamplerProtections"/>) the same scenario shows the failure.
/// </summary>
[Collection("cli")]
public sealed class StackCopierTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_copy_holds_every_thread_registers_and_stack_and_releases_them()
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        using var copier = new StackCopier(target.Pid);
        CopyTarget[] threads = TraceStates.ThreadIds(target.Pid).Select(t => new CopyTarget(t, 0)).ToArray();

        ProcessCopy copy = copier.Copy(threads, TimeSpan.FromSeconds(5));

        Assert.True(TraceStates.Released(target.Pid), "a thread is still traced or stopped after the copy");
        Assert.Empty(copy.Unreadable);
        Assert.Equal(threads.Length, copy.Threads.Count + copy.Exited);
        foreach (ThreadCopy thread in copy.Threads.Values)
        {
            ulong sp = X64Registers.StackPointer(thread.Registers);
            Assert.InRange(sp, thread.Stack.Address, thread.Stack.End - 1);
            Assert.True(copy.TryFind(sp, out CopiedRange range, out _) && range.Address == thread.Stack.Address);
        }

        Assert.True(copy.Stopped > TimeSpan.Zero);
        await target.AssertRunningAsync();
    }

    [Fact]
    public async Task A_copy_that_fails_half_way_releases_every_thread()
    {
        Assert.False(await FailHalfWayAsync(SamplerProtections.None), "a thread stayed stopped after the failed copy");
    }

    [Fact]
    public async Task Without_the_release_on_failure_a_failed_copy_leaves_threads_stopped()
    {
        Assert.True(await FailHalfWayAsync(SamplerProtections.ReleaseOnFailure));
    }

    [Fact]
    public async Task A_thread_that_stops_after_its_deadline_is_released_when_it_stops()
    {
        Assert.False(await StopLateAsync(SamplerProtections.None), "a late thread stayed stopped");
    }

    [Fact]
    public async Task Without_releasing_late_stoppers_they_stay_stopped()
    {
        Assert.True(await StopLateAsync(SamplerProtections.ReleaseLateStoppers));
    }

    [Fact]
    public async Task A_signal_that_arrives_while_a_thread_is_traced_is_passed_on()
    {
        Assert.Equal(["CONT", "CONT", "WINCH"], await SignalWhileTracedAsync(SamplerProtections.None));
    }

    [Fact]
    public async Task Without_passing_signals_on_the_signal_is_lost()
    {
        Assert.Equal(["CONT", "CONT"], await SignalWhileTracedAsync(SamplerProtections.PassOnSignals));
    }

    [Fact]
    public async Task Another_tracer_makes_a_thread_unreadable_and_is_named()
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        int five = target.ThreadIdsByName()["five-0"];
        using var strace = new LineProcess("strace", ["-p", five.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "/dev/null"]);
        await ThreadStates.WaitUntilAsync(() => TraceStates.TracersOf(target.Pid)[five] != 0, Wait, "strace to attach");
        using var copier = new StackCopier(target.Pid);

        ProcessCopy copy = copier.Copy(TraceStates.ThreadIds(target.Pid).Select(t => new CopyTarget(t, 0)).ToArray(), TimeSpan.FromSeconds(5));

        UnreadableThread unreadable = Assert.Single(copy.Unreadable);
        Assert.Equal(five, unreadable.ThreadId);
        Assert.Matches(@"^traced by another process \(pid \d+, strace\)$", unreadable.Reason);
        Assert.DoesNotContain(five, copy.Threads.Keys);
        Assert.Equal(0, copy.Refused);
    }

    /// <summary>Interrupts the threads, then fails before copying any; true when a thread stayed stopped.</summary>
    private static async Task<bool> FailHalfWayAsync(SamplerProtections off)
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        bool stayedStopped;
        using (var copier = new StackCopier(target.Pid) { DisabledProtections = off })
        {
            copier.AfterInterrupt = () => throw new InvalidOperationException("copy failed half way");
            Assert.Throws<InvalidOperationException>(() => copier.Copy(TraceStates.ThreadIds(target.Pid).Select(t => new CopyTarget(t, 0)).ToArray(), TimeSpan.FromSeconds(5)));
            stayedStopped = await SettleAsync(target.Pid, copier);
        }

        // Whatever happened, the end of the tracer thread releases the target.
        await ThreadStates.WaitUntilAsync(() => TraceStates.Released(target.Pid), Wait, "the target to be released by the end of the tracer");
        await target.AssertRunningAsync();
        return stayedStopped;
    }

    /// <summary>Gives the threads no time to stop (until one of them is still running when the copy gives up); true
    /// when a thread stayed stopped.</summary>
    private static async Task<bool> StopLateAsync(SamplerProtections off)
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        bool stayedStopped;
        using (var copier = new StackCopier(target.Pid) { DisabledProtections = off })
        {
            int[] threads = TraceStates.ThreadIds(target.Pid);
            bool late = false;
            for (int attempt = 0; attempt < 200 && !late; attempt++)
            {
                ProcessCopy copy = copier.Copy(threads.Select(t => new CopyTarget(t, 0)).ToArray(), TimeSpan.Zero);
                Assert.Empty(copy.Threads);
                Assert.All(copy.Unreadable, u => Assert.StartsWith("did not stop within 0 ms (state ", u.Reason));
                Assert.Equal(threads.Length, copy.Unreadable.Count + copy.Exited); // a runtime thread may end meanwhile
                late = copy.LeftToRelease > 0;
            }

            Assert.True(late, "every thread had stopped before the copy gave up, 200 times");
            stayedStopped = await SettleAsync(target.Pid, copier);
        }

        await ThreadStates.WaitUntilAsync(() => TraceStates.Released(target.Pid), Wait, "the target to be released by the end of the tracer");
        await target.AssertRunningAsync();
        return stayedStopped;
    }

    /// <summary>
    /// Waits until every thread this process still traces has stopped (an interrupted thread stops soon), lets the
    /// tracer thread release what it releases between copies, and says whether a thread is still stopped then.
    /// </summary>
    private static async Task<bool> SettleAsync(int pid, StackCopier copier)
    {
        int self = Environment.ProcessId;
        await ThreadStates.WaitUntilAsync(() =>
        {
            Dictionary<int, char> states = ThreadStates.Of(pid);
            return TraceStates.TracersOf(pid).All(t => t.Value != self || (states.TryGetValue(t.Key, out char state) && state == 't'));
        }, Wait, "every traced thread to stop");
        copier.ReleasePendingNow();
        return ThreadStates.Stopped(pid).Length > 0;
    }

    /// <summary>
    /// Sends SIGWINCH to a thread once it is seized and waits until it stops to deliver it, copies; then sends SIGCONT
    /// to the same thread twice, each after the target handled the one before. Returns the signals the target handled,
    /// sorted. The target runs signal handlers on thread pool threads, so their order is not the order of delivery; a
    /// SIGWINCH passed on at the release is delivered before the first SIGCONT is even sent, and its handler was queued
    /// before that SIGCONT's: it has run by the time the second SIGCONT's handler (queued after the first ran) has.
    /// </summary>
    private static async Task<string[]> SignalWhileTracedAsync(SamplerProtections off)
    {
        using TargetProcess target = await TargetProcess.StartAsync([], underShell: true);
        int five = target.ThreadIdsByName()["five-0"];
        using (var copier = new StackCopier(target.Pid) { DisabledProtections = off })
        {
            copier.AfterSeize = seized =>
            {
                // The traced thread stops to deliver the signal (a signal-delivery stop) before it is asked to stop.
                Assert.Contains(five, seized);
                Assert.Equal(0, Signals.Tgkill(target.Pid, five, Signals.SIGWINCH));
                ThreadStates.WaitUntilAsync(() => ThreadStates.Of(target.Pid)[five] == 't', Wait, "five-0 to stop for SIGWINCH").GetAwaiter().GetResult();
            };
            ProcessCopy copy = copier.Copy(TraceStates.ThreadIds(target.Pid).Select(t => new CopyTarget(t, 0)).ToArray(), TimeSpan.FromSeconds(5));
            Assert.Contains(five, copy.Threads.Keys);
        }

        string[] signals = [];
        for (int round = 1; round <= 2; round++)
        {
            Assert.Equal(0, Signals.Tgkill(target.Pid, five, Signals.SIGCONT));
            await ThreadStates.WaitUntilAsync(() =>
            {
                signals = target.AskAsync("signals", "signals").GetAwaiter().GetResult().Split(' ')[1..];
                return signals.Count(s => s == "CONT") == round;
            }, Wait, $"the target to handle SIGCONT number {round}");
        }

        await target.AssertRunningAsync();
        return [.. signals.Order(StringComparer.Ordinal)];
    }
}
