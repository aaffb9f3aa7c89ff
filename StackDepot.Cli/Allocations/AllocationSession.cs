using System.Diagnostics;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
using Serilog;
using StackDepot.Cli.EventPipe;

namespace StackDepot.Cli.Allocations;

/// <summary>Why a session ended.</summary>
internal enum SessionEnd
{
    /// <summary>The duration elapsed.</summary>
    Duration,

    /// <summary>Ctrl-C / SIGINT / SIGTERM.</summary>
    Interrupted,

    /// <summary>The target exited (its event stream ended).</summary>
    TargetExited,
}

/// <summary>What a session saw besides the samples the recorder keeps.</summary>
internal sealed record SessionOutcome(SessionEnd End, TimeSpan Elapsed, int EventsLost, bool RundownComplete);

/// <summary>
/// One EventPipe session on the target's runtime for <c>alloc</c> and <c>leaks</c>: provider
/// Microsoft-Windows-DotNETRuntime at level Verbose (method load events are Verbose) with the keywords for sampled
/// allocations, collections, survival and movement, and method and module loads; the managed stack of every event;
/// rundown at the end. The stream is decoded as it arrives (TraceEvent's <see cref="EventPipeEventSource"/> over the
/// session stream: no trace file) and fed to an <see cref="AllocationRecorder"/> and a <see cref="MethodMap"/>.
/// </summary>
internal static class AllocationSession
{
    /// <summary>AllocationSampled (event 303), .NET 10 and later.</summary>
    public const long AllocationSamplingKeyword = 0x800_0000_0000;

    /// <summary>GCHeapSurvivalAndMovement: surviving and moved object ranges of every collection.</summary>
    public const long GCHeapSurvivalAndMovementKeyword = 0x40_0000;

    /// <summary>Every keyword the session enables.</summary>
    public const long Keywords = AllocationSamplingKeyword | EventPipeKeywords.GC | EventPipeKeywords.Loader | EventPipeKeywords.Jit | EventPipeKeywords.NGen | GCHeapSurvivalAndMovementKeyword;

    /// <summary>The runtime's buffer for the session (as dotnet-trace's default): events are lost only when the
    /// reader falls this far behind.</summary>
    public const int BufferMB = 256;

    /// <summary>
    /// Runs a session until <paramref name="duration"/> elapses, <paramref name="cancellation"/> fires or the target
    /// exits, then stops it (the runtime sends its rundown) and returns once the stream has ended.
    /// </summary>
    /// <param name="client">The target's diagnostics client.</param>
    /// <param name="pid">The target's pid, for messages.</param>
    /// <param name="recorder">Receives the samples and collections.</param>
    /// <param name="methods">Receives method and module names.</param>
    /// <param name="duration">How long to record; <see cref="Timeout.InfiniteTimeSpan"/> until the target exits or Ctrl-C.</param>
    /// <param name="resumeRuntime">Resume a runtime that waits at startup (a program started under the tool) once the session runs.</param>
    /// <param name="collectAtEnd">Before stopping, have the runtime run one full blocking collection (as dotnet-gcdump
    /// does, through a second session with the GCHeapCollect keyword), so that what is alive at the end is known
    /// exactly, not only as of the target's last collection.</param>
    /// <param name="progress">Called about every second from a timer thread with the elapsed time.</param>
    /// <param name="log">Warnings and details.</param>
    /// <param name="cancellation">Ends the session early; the report of what was seen is still made.</param>
    public static async Task<SessionOutcome> RunAsync(
        DiagnosticsClient client,
        int pid,
        AllocationRecorder recorder,
        MethodMap methods,
        TimeSpan duration,
        bool resumeRuntime,
        bool collectAtEnd,
        Action<TimeSpan>? progress,
        ILogger log,
        CancellationToken cancellation)
    {
        if (!EventStacks.Supported)
        {
            throw new CliException(ExitCode.Failure, "this build of TraceEvent keeps event stacks where stackdepot does not expect them; rebuild stackdepot with the TraceEvent version it pins");
        }

        EventPipeSession session = Start(client, pid);
        var clock = Stopwatch.StartNew();
        bool rundown = false;
        try
        {
            var source = new EventPipeEventSource(session.EventStream);
            Subscribe(source, recorder, methods, log, () => rundown = true);
            Task processing = Task.Factory.StartNew(() => EventPipeSessions.Process(source, log), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (resumeRuntime)
            {
                client.ResumeRuntime();
            }

            SessionEnd end;
            using (var timer = progress is null ? null : new Timer(_ => progress(clock.Elapsed), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
            {
                end = await WaitForEndAsync(processing, duration, cancellation).ConfigureAwait(false);
            }

            if (end != SessionEnd.TargetExited)
            {
                if (collectAtEnd)
                {
                    await CollectAsync(client, pid, recorder, processing, log).ConfigureAwait(false);
                }

                await EventPipeSessions.StopAsync(session, pid, log).ConfigureAwait(false);
            }

            // The rundown of a large process takes a few seconds; a stream that does not end is closed.
            if (!processing.Wait(TimeSpan.FromSeconds(60)))
            {
                log.Warning("The event stream of process {Pid} did not end within 60 s of the stop; reporting what arrived", pid);
                session.Dispose();
                processing.Wait(TimeSpan.FromSeconds(5));
            }

            return new SessionOutcome(end, clock.Elapsed, source.EventsLost, rundown);
        }
        finally
        {
            session.Dispose();
        }
    }

    /// <summary>GCHeapCollect: enabling it makes the runtime run a full blocking collection.</summary>
    public const long GCHeapCollectKeyword = 0x80_0000;

    /// <summary>How long to wait for the induced collection to show in the main session.</summary>
    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Induces a full blocking collection and waits until the main session has applied a blocking gen2
    /// collection that started after the request (or the target exits, or a timeout).</summary>
    private static async Task CollectAsync(DiagnosticsClient client, int pid, AllocationRecorder recorder, Task processing, ILogger log)
    {
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int requested = recorder.CollectionsStarted;
        recorder.CollectionFinished = (generation, ordinal, background) =>
        {
            if (generation == 2 && !background && ordinal > requested)
            {
                recorder.Freeze(); // what is allocated after the final collection would count as alive
                applied.TrySetResult();
            }
        };
        try
        {
            using EventPipeSession induce = client.StartEventPipeSession(
                new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GCHeapCollectKeyword), requestRundown: false, circularBufferMB: 16);
            Task drain = induce.EventStream.CopyToAsync(Stream.Null);
            Task first = await Task.WhenAny(applied.Task, processing, Task.Delay(CollectTimeout)).ConfigureAwait(false);
            if (first != applied.Task && !processing.IsCompleted)
            {
                log.Warning("The final collection of process {Pid} did not show within {Seconds} s: objects allocated since its last collection count as alive", pid, CollectTimeout.TotalSeconds);
            }

            await EventPipeSessions.StopAsync(induce, pid, log).ConfigureAwait(false);
            await Task.WhenAny(drain, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ServerNotAvailableException or ServerErrorException or UnsupportedCommandException or IOException)
        {
            log.Warning("Could not induce a final collection in process {Pid} ({Message}): objects allocated since its last collection count as alive", pid, e.Message);
        }
        finally
        {
            recorder.CollectionFinished = null;
        }
    }

    private static EventPipeSession Start(DiagnosticsClient client, int pid) =>
        EventPipeSessions.Start(client, pid, [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, Keywords)], requestRundown: true, BufferMB);

    private static void Subscribe(EventPipeEventSource source, AllocationRecorder recorder, MethodMap methods, ILogger log, Action rundownSeen)
    {
        ulong[] frames = new ulong[recorder.Depot.MaxFrames];
        source.Clr.AllocationSampling += data =>
        {
            int count = EventStacks.Read(data, frames, out _);
            recorder.Record(frames.AsSpan(0, Math.Max(count, 0)), data.TypeName ?? "?", data.Address, data.ObjectSize, data.AllocationKind != GCAllocationKind.Small);
        };
        source.Clr.GCAllocationTick += data =>
        {
            int count = EventStacks.Read(data, frames, out _);
            recorder.RecordTick(frames.AsSpan(0, Math.Max(count, 0)), data.TypeName ?? "?", data.Address, data.ObjectSize, data.AllocationAmount64, data.AllocationKind != GCAllocationKind.Small);
        };
        source.Clr.GCStart += data =>
        {
            log.Verbose("GC {Index} gen{Generation} {Type} ({Reason}) starts", data.Count, data.Depth, data.Type, data.Reason);
            recorder.CollectionStarted(data.Depth, data.Type == GCType.BackgroundGC);
        };
        source.Clr.GCStop += data =>
        {
            recorder.CollectionEnded();
            log.Verbose("GC {Index} gen{Generation} ends; {Tracked} sampled objects alive", data.Count, data.Depth, recorder.TrackedObjects);
        };
        source.Clr.GCGenerationRange += data => recorder.GenerationRange(data.Generation, data.RangeStart, data.RangeUsedLength);
        source.Clr.GCBulkSurvivingObjectRanges += data =>
        {
            for (int i = 0; i < data.Count; i++)
            {
                GCBulkSurvivingObjectRangesValues range = data.Values(i);
                recorder.Survived(range.RangeBase, range.RangeLength);
            }
        };
        source.Clr.GCBulkMovedObjectRanges += data =>
        {
            for (int i = 0; i < data.Count; i++)
            {
                GCBulkMovedObjectRangesValues range = data.Values(i);
                recorder.Moved(range.OldRangeBase, range.NewRangeBase, range.RangeLength);
            }
        };
        EventPipeSessions.SubscribeMethods(source, methods, rundownSeen);
    }

    private static async Task<SessionEnd> WaitForEndAsync(Task processing, TimeSpan duration, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        Task elapsed = Task.Delay(duration, stop.Token);
        Task first = await Task.WhenAny(processing, elapsed).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        if (first == processing)
        {
            return SessionEnd.TargetExited;
        }

        return cancellation.IsCancellationRequested ? SessionEnd.Interrupted : SessionEnd.Duration;
    }
}
