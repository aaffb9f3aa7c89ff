using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using Serilog;
using StackDepot.Cli.EventPipe;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Samples a live process with the runtime's own sample profiler over EventPipe: no ptrace and no root (the target's
/// user will do), through its diagnostics port. About every millisecond the runtime suspends itself at safe points,
/// records every managed thread's stack and resumes. The rounds are kept one per interval asked for, by the runtime's
/// own clock; the runtime pauses about a thousand times a second whatever the rate, and the time it spent suspended
/// since the round kept before is what each snapshot reports as the target's stop. Method names come from a rundown taken when sampling
/// starts (methods compiled before) and from the session's method loads and its closing rundown (methods compiled
/// during the run).
/// </summary>
internal sealed class EventPipeSource : IStackSource
{
    private const string SampleProfiler = "Microsoft-DotNETCore-SampleProfiler";
    private const string Runtime = "Microsoft-Windows-DotNETRuntime";

    /// <summary>The main session: suspensions (GC keyword), method and module loads (Loader, JIT, NGen).</summary>
    private const long Keywords = EventPipeKeywords.GC | EventPipeKeywords.Loader | EventPipeKeywords.Jit | EventPipeKeywords.NGen;

    private readonly int _pid;
    private readonly ClrFrameTable _frames;
    private readonly int _maxFrames;
    private readonly TimeSpan _interval;
    private readonly ILogger _log;
    private readonly ThreadNames _names;
    private readonly MethodMap _methods = new();
    private readonly object _gate = new();
    private readonly BlockingCollection<Round> _rounds = new(new ConcurrentQueue<Round>());
    private EventPipeSession? _session;
    private Task? _processing;
    private bool _finished;

    public EventPipeSource(int pid, ClrFrameTable frames, int maxFrames, TimeSpan interval, ILogger log)
    {
        _pid = pid;
        _frames = frames;
        _maxFrames = maxFrames;
        _interval = interval;
        _log = log;
        _names = new ThreadNames(pid);
    }

    /// <inheritdoc/>
    public string Target => $"process {_pid}";

    /// <inheritdoc/>
    public string Engine => "eventpipe (the runtime's sample profiler, about 1000 pauses a second; no ptrace)";

    /// <inheritdoc/>
    public bool TargetGone => !DotNetProcess.Exists(_pid);

    /// <inheritdoc/>
    public bool StopsTarget => true;

    /// <inheritdoc/>
    public string RuntimeVersion { get; private set; } = "?";

    /// <inheritdoc/>
    public ReportFrame GetFrame(ulong frameId)
    {
        if (frameId >> 56 == 0xff)
        {
            return _frames.Get(frameId); // the truncation marker and the sampler's own frames
        }

        lock (_gate)
        {
            return _methods.Frame(frameId, _frames.Namer);
        }
    }

    /// <inheritdoc/>
    public ThreadInfo DescribeThread(int threadId) => _names.Describe(threadId);

    /// <summary>Starts the sampling session, then names the methods compiled so far with a rundown.</summary>
    public void Open()
    {
        if (_session is not null)
        {
            return;
        }

        var client = new DiagnosticsClient(_pid);
        RuntimeVersion = Version(_pid);
        _session = EventPipeSessions.Start(client, _pid,
            [new EventPipeProvider(SampleProfiler, EventLevel.Informational), new EventPipeProvider(Runtime, EventLevel.Informational, Keywords)],
            requestRundown: true, bufferMB: 64);
        var source = new EventPipeEventSource(_session.EventStream);
        Subscribe(source);
        _processing = Task.Factory.StartNew(() =>
        {
            EventPipeSessions.Process(source, _log);
            _rounds.CompleteAdding();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // The methods compiled before the session: a rundown-only session, stopped at once.
        using EventPipeSession rundown = EventPipeSessions.Start(client, _pid, [new EventPipeProvider(Runtime, EventLevel.Informational, EventPipeKeywords.Loader)], requestRundown: true, bufferMB: 64);
        var rundownSource = new EventPipeEventSource(rundown.EventStream);
        EventPipeSessions.SubscribeMethods(rundownSource, _methods, static () => { }, _gate);
        Task reading = Task.Run(() => EventPipeSessions.Process(rundownSource, _log));
        EventPipeSessions.StopAsync(rundown, _pid, _log).GetAwaiter().GetResult();
        if (!reading.Wait(TimeSpan.FromSeconds(60)))
        {
            _log.Warning("The rundown of process {Pid} did not end within 60 s; methods compiled before sampling may show as addresses", _pid);
        }
    }

    /// <summary>The next round kept (waiting for it when it has not come yet).</summary>
    public Snapshot Capture(TimeSpan budget, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        Open();
        Round? round;
        try
        {
            if (!_rounds.TryTake(out round, (int)Math.Min(int.MaxValue, budget.TotalMilliseconds), cancellation))
            {
                if (_rounds.IsAddingCompleted || TargetGone)
                {
                    throw new CliException(ExitCode.NoSuchProcess, $"process {_pid} exited");
                }

                throw new SampleTimeoutException(budget);
            }
        }
        catch (InvalidOperationException) when (_rounds.IsAddingCompleted)
        {
            throw new CliException(ExitCode.NoSuchProcess, $"process {_pid} exited");
        }

        var snapshot = new Snapshot { Frozen = round.Paused };
        lock (_gate)
        {
            foreach ((int threadId, ulong[] addresses) in round.Threads)
            {
                snapshot.Add(Stack(threadId, addresses));
            }
        }

        return snapshot;
    }

    /// <summary>Stops the session and waits for its closing rundown (it names the methods compiled during the run).</summary>
    public void Finish()
    {
        if (_session is null || _finished)
        {
            return;
        }

        _finished = true;
        EventPipeSessions.StopAsync(_session, _pid, _log).GetAwaiter().GetResult();
        if (_processing is not null && !_processing.Wait(TimeSpan.FromSeconds(60)))
        {
            _log.Warning("The event stream of process {Pid} did not end within 60 s of the stop; methods compiled during sampling may show as ids", _pid);
        }
    }

    /// <summary>Ends the session.</summary>
    public void Dispose()
    {
        _session?.Dispose();
        _rounds.Dispose();
    }

    /// <summary>The runtime version: the shared-framework directory the target loaded its runtime from.</summary>
    private static string Version(int pid)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{pid}/maps").FirstOrDefault(l => l.EndsWith("/libcoreclr.so", StringComparison.Ordinal));
            string? directory = line is null ? null : Path.GetFileName(Path.GetDirectoryName(line[line.IndexOf('/', StringComparison.Ordinal)..]));
            return directory is not null && System.Version.TryParse(directory.Split('-')[0], out _) ? directory : "?";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    /// <summary>Turns a thread's return addresses into method ids, innermost first, as the ClrMD walker would (called
    /// under the gate).</summary>
    private ThreadStack Stack(int threadId, ulong[] addresses)
    {
        var ids = new List<ulong>(Math.Min(addresses.Length, _maxFrames + 1));
        bool truncated = false;
        var stubs = new AsyncStubFolder();
        foreach (ulong address in addresses)
        {
            ulong id = _methods.Resolve(address);
            if ((id & MethodMap.UnresolvedBit) != 0 && !_frames.RuntimeFrames)
            {
                continue; // a stub or native code: left out, as runtime frames are
            }

            // As the ClrMD walker: the async plumbing left out, an async method's stub folded into its state machine.
            if (!_frames.RuntimeFrames && _methods.Method(id, _frames.Namer) is { } method && (method.IsPlumbing || stubs.Folds(method)))
            {
                continue;
            }

            if (ids.Count == _maxFrames)
            {
                ids.Add(_frames.TruncatedId);
                truncated = true;
                break;
            }

            ids.Add(id);
        }

        return new ThreadStack(threadId, [.. ids]) { Truncated = truncated };
    }

    private void Subscribe(EventPipeEventSource source)
    {
        EventPipeSessions.SubscribeMethods(source, _methods, static () => { }, _gate);
        double suspendedAt = double.NaN;
        double keepFrom = double.NegativeInfinity;
        TimeSpan paused = TimeSpan.Zero;
        Round? round = null;
        ulong[] frames = new ulong[4096];
        source.Clr.GCSuspendEEStart += data =>
        {
            // Only the sample profiler's own suspensions: a collection's would be there without us.
            suspendedAt = data.Reason == GCSuspendEEReason.SuspendOther ? data.TimeStampRelativeMSec : double.NaN;
            round = double.IsNaN(suspendedAt) ? null : new Round(data.TimeStampRelativeMSec);
        };
        new SampleProfilerTraceEventParser(source).ThreadSample += data =>
        {
            int count = EventStacks.Read(data, frames, out _);
            if (round is not null && count > 0)
            {
                round.Threads.Add((data.ThreadID, frames.AsSpan(0, count).ToArray()));
            }
        };
        source.Clr.GCRestartEEStop += data =>
        {
            if (round is null || double.IsNaN(suspendedAt))
            {
                return;
            }

            // Every pause counts; one round per interval is kept, with the pauses since the one kept before.
            paused += TimeSpan.FromMilliseconds(data.TimeStampRelativeMSec - suspendedAt);
            if (round.At >= keepFrom)
            {
                round.Paused = paused;
                paused = TimeSpan.Zero;
                keepFrom = round.At + _interval.TotalMilliseconds;
                _rounds.TryAdd(round);
            }

            round = null;
            suspendedAt = double.NaN;
        };
    }

    /// <summary>One sampling round of the runtime: every managed thread's return addresses, innermost first.</summary>
    /// <param name="at">When the runtime suspended itself for it (milliseconds on the session's clock).</param>
    private sealed class Round(double at)
    {
        public double At { get; } = at;

        public List<(int ThreadId, ulong[] Addresses)> Threads { get; } = [];

        /// <summary>The runtime's pauses since the round kept before, this one's included.</summary>
        public TimeSpan Paused { get; set; }
    }
}
