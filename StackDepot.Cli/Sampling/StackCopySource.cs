using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;
using Serilog;
using StackDepot.Cli.Sampling.Ptrace;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Samples a live process by copying its stacks: the runtime's debugging support (DAC) is loaded once, while the
/// target runs; each snapshot stops the managed threads only to copy their registers and the live part of their stacks
/// (<see cref="StackCopier"/>), and unwinds them from the copy after the target runs again (<see cref="CopyDataReader"/>).
/// The stop costs a copy, not a walk.
/// </summary>
internal sealed class StackCopySource : IStackSource
{
    /// <summary>The longest wait for one thread to stop; a thread slower than this is reported unreadable.</summary>
    internal static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(1);

    private readonly int _pid;
    private readonly StackWalker _walker;
    private readonly ILogger _log;
    private readonly ThreadNames _names;
    private readonly Dictionary<int, ulong> _managed = [];
    private readonly HashSet<int> _native = [];
    private readonly Dictionary<int, UnwoundThread> _unwound = [];
    private StackCopier? _copier;
    private DataTarget? _target;
    private CopyDataReader? _reader;
    private ClrRuntime? _runtime;

    public StackCopySource(int pid, StackWalker walker, ILogger log)
    {
        _pid = pid;
        _walker = walker;
        _log = log;
        _names = new ThreadNames(pid);
    }

    /// <summary>True where this engine works: Linux on x86-64 (registers are read in that layout).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <inheritdoc/>
    public string Target => $"process {_pid}";

    /// <inheritdoc/>
    public string Engine => "clrmd (stacks copied, unwound while the target runs)";

    /// <inheritdoc/>
    public bool TargetGone => !DotNetProcess.Exists(_pid);

    /// <inheritdoc/>
    public bool StopsTarget => true;

    /// <inheritdoc/>
    public string RuntimeVersion { get; private set; } = "?";

    /// <summary>Test hook: the copier of this source, once open.</summary>
    internal StackCopier? Copier => _copier;

    /// <summary>Test hook: the data reader the walks read through, once open.</summary>
    internal CopyDataReader? Reader => _reader;

    /// <summary>Test hook: called after the threads were copied and released, before the copy is walked (a test
    /// changes the target's stacks here).</summary>
    internal Action? AfterCopy { get; set; }

    /// <inheritdoc/>
    public ReportFrame GetFrame(ulong frameId) => _walker.Frames.Get(frameId);

    /// <inheritdoc/>
    public ThreadInfo DescribeThread(int threadId) => _names.Describe(threadId);

    /// <summary>
    /// Stops the managed threads, copies them, releases them, then walks the copy. The target is running again when
    /// this returns or throws, whatever happens.
    /// </summary>
    public Snapshot Capture(TimeSpan budget, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        Open();
        List<CopyTarget> targets = Targets();
        TimeSpan deadline = budget - clock.Elapsed < StopDeadline ? budget - clock.Elapsed : StopDeadline;
        ProcessCopy copy = _copier!.Copy(targets, deadline > TimeSpan.Zero ? deadline : TimeSpan.Zero);
        _log.Debug("Process {Pid}: {Threads} threads stopped for {Ms:0.00} ms", _pid, copy.Threads.Count, copy.Stopped.TotalMilliseconds);
        if (copy.Threads.Count == 0)
        {
            if (!DotNetProcess.Exists(_pid))
            {
                throw new CliException(ExitCode.NoSuchProcess, $"process {_pid} exited");
            }

            if (copy.Refused > 0)
            {
                throw DotNetProcess.PermissionDenied(_pid);
            }
        }

        if (SamplerTestHooks.Enabled)
        {
            AfterCopy?.Invoke();
        }

        // A thread that would unwind as at its last walk (a parked thread) reuses that walk; only the others are walked,
        // each recording what it reads from the copy.
        var reused = new List<ThreadStack>();
        var walk = new HashSet<int>();
        bool reuseAny = (SamplerTestHooks.Off(_copier.DisabledProtections) & SamplerProtections.WalkChangedStacks) != 0;
        foreach (ThreadCopy thread in copy.Threads.Values)
        {
            if (_unwound.TryGetValue(thread.ThreadId, out UnwoundThread? last) && (reuseAny || last.Matches(thread, copy)))
            {
                reused.Add(last.Stack);
            }
            else
            {
                walk.Add(thread.ThreadId);
            }
        }

        _reader!.Copy = copy;
        _reader.FlushCachedData();
        _runtime!.FlushCachedData();
        Snapshot snapshot = _walker.Walk(_runtime, clock, budget, cancellation, walk.Contains,
            beforeThread: _ => _reader.StartRecording(),
            afterThread: stack => _unwound[stack.ThreadId] =
                new UnwoundThread(X64Registers.UnwindState(copy.Threads[stack.ThreadId].Registers), _reader.StopRecording(), stack),
            annotate: false);
        _reader.StopRecording(); // a thread whose walk failed left it on
        snapshot.Frozen = copy.Stopped;
        snapshot.Reused = reused.Count;
        foreach (ThreadStack thread in reused)
        {
            snapshot.Add(thread);
        }

        // Lock notes over every thread, walked or reused: who holds a lock changes without the waiters' stacks changing.
        _walker.Annotate(_runtime, snapshot, clock, budget, cancellation);

        foreach (int gone in _unwound.Keys.Where(t => !copy.Threads.ContainsKey(t)).ToList())
        {
            _unwound.Remove(gone);
        }
        if (!DotNetProcess.Exists(_pid))
        {
            throw new CliException(ExitCode.NoSuchProcess, $"process {_pid} exited");
        }

        Learn(copy, snapshot);
        return snapshot;
    }

    /// <summary>Nothing to finish: every thread is released after each copy.</summary>
    public void Finish()
    {
    }

    /// <summary>Releases every thread still traced and the runtime's debugging support.</summary>
    public void Dispose()
    {
        _copier?.Dispose();
        _runtime?.Dispose();
        _target?.Dispose();
    }

    /// <summary>Attaches without stopping the target, loads the DAC and learns which threads are managed.</summary>
    public void Open()
    {
        if (_runtime is not null)
        {
            return;
        }

        DataTarget live = Attach();
        try
        {
            _reader = new CopyDataReader(live.DataReader);
            _target = new DataTarget(_reader, new DataTargetOptions());
            ClrInfo clr = ClrRuntimes.Find(_target)
                ?? throw new CliException(ExitCode.NotDotNet, $"process {_pid} does not run a .NET (Core) runtime stackdepot can inspect");
            RuntimeVersion = ClrRuntimes.VersionOf(clr);
            _runtime = ClrRuntimes.Create(clr, $"process {_pid}");

            // Learn the managed threads before the first stop, so that it stops those only.
            foreach (ClrThread thread in _runtime.Threads)
            {
                if (thread.IsAlive && thread.OSThreadId != 0)
                {
                    _managed[unchecked((int)thread.OSThreadId)] = thread.Address;
                }
            }

            _runtime.FlushCachedData();
            _copier = new StackCopier(_pid);
        }
        catch (UnauthorizedAccessException e)
        {
            throw DotNetProcess.PermissionDenied(_pid, e);
        }
    }

    private DataTarget Attach()
    {
        try
        {
            return DataTarget.AttachToProcess(_pid, suspend: false);
        }
        catch (Exception e) when (e is not CliException)
        {
            throw LiveSource.AttachFailure(_pid, e) ?? throw new CliException(ExitCode.Failure, $"cannot attach to process {_pid}: {e.Message}", e);
        }
    }

    /// <summary>The threads to stop: the managed threads of the last walk and any thread not seen before.</summary>
    private List<CopyTarget> Targets()
    {
        var targets = new List<CopyTarget>(_managed.Count + 4);
        foreach (int tid in TaskIds())
        {
            if (_managed.TryGetValue(tid, out ulong runtimeThread))
            {
                targets.Add(new CopyTarget(tid, runtimeThread));
            }
            else if (!_native.Contains(tid))
            {
                targets.Add(new CopyTarget(tid, 0));
            }
        }

        if (targets.Count == 0 && !DotNetProcess.Exists(_pid))
        {
            throw new CliException(ExitCode.NoSuchProcess, $"process {_pid} exited");
        }

        return targets;
    }

    /// <summary>After a walk: which threads are managed (stopped next time) and which are not (left running); names;
    /// which unreadable threads matter (managed ones).</summary>
    private void Learn(ProcessCopy copy, Snapshot snapshot)
    {
        _managed.Clear();
        foreach (ClrThread thread in _runtime!.Threads)
        {
            if (thread.IsAlive && thread.OSThreadId != 0)
            {
                _managed[unchecked((int)thread.OSThreadId)] = thread.Address;
            }
        }

        _native.Clear();
        foreach (int tid in TaskIds())
        {
            if (!_managed.ContainsKey(tid))
            {
                _native.Add(tid);
            }
        }

        foreach (UnreadableThread thread in copy.Unreadable)
        {
            if (_managed.ContainsKey(thread.ThreadId))
            {
                snapshot.Unreadable.Add(thread);
            }
        }

        _names.Observe(_runtime, snapshot.Threads);
    }

    private IEnumerable<int> TaskIds()
    {
        IEnumerable<string> tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{_pid}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (string task in tasks)
        {
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
            {
                yield return tid;
            }
        }
    }
}
