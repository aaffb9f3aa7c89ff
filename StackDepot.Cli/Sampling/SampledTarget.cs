using Serilog;
using StackDepot.Cli.Commands;
using StackDepot.Cli.Options;
using StackDepot.Cli.Targets;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// What a sampling command (<c>stacks</c>, <c>top</c>) needs for one target: the engine (chosen by <c>--engine</c>,
/// checked before the target is touched), the plan, the frame table, the stack shaper, and report builders that name
/// every frame and thread. Disposing it releases the target.
/// </summary>
internal sealed class SampledTarget : IDisposable
{
    private readonly ClrFrameTable _frames;

    private SampledTarget(IStackSource source, ClrFrameTable frames, SamplingPlan plan, GroupBy groupBy, int pid, string processName)
    {
        Source = source;
        _frames = frames;
        Plan = plan;
        Shaper = new StackShaper(groupBy, frames.Synthetic);
        Pid = pid;
        ProcessName = processName;
    }

    /// <summary>The engine.</summary>
    public IStackSource Source { get; }

    /// <summary>When to sample.</summary>
    public SamplingPlan Plan { get; }

    /// <summary>Turns stacks into the frames counted.</summary>
    public StackShaper Shaper { get; }

    /// <summary>The process id (0 for a dump).</summary>
    public int Pid { get; }

    /// <summary>The process name (<c>?</c> when unknown, empty for a dump).</summary>
    public string ProcessName { get; }

    /// <summary>Picks the engine for a target resolved and checked by <see cref="StacksTarget.Resolve"/>.</summary>
    public static SampledTarget Open(StacksTarget target, SamplingSettings sampling, ILogger log)
    {
        // --group-by thread-name keys frames by method; the thread's root frame is added by the shaper.
        GroupBy keys = sampling.GroupBy == GroupBy.Frame ? GroupBy.Frame : GroupBy.Method;
        var budget = TimeSpan.FromMilliseconds(sampling.TimeoutMs);
        var frames = new ClrFrameTable(keys, sampling.RuntimeFrames, sampling.RawNames, target.FileSystemRoot);
        var walker = new StackWalker(frames, sampling.MaxFrames);
        if (target.Pid is not { } pid)
        {
            return new SampledTarget(new DumpSource(target.DumpPath!, walker), frames, new SamplingPlan(1, TimeSpan.Zero, null, budget), sampling.GroupBy, 0, string.Empty);
        }

        string processName = target.Properties.TryGetValue("process", out string? name) ? name : "?";
        IStackSource source;
        if (sampling.Engine == SamplingEngine.EventPipe)
        {
            source = new EventPipeSource(pid, frames, sampling.MaxFrames, TimeSpan.FromMilliseconds(sampling.IntervalMs), log);
        }
        else if (sampling.Engine == SamplingEngine.ClrMd && StackCopySource.IsSupported)
        {
            source = new StackCopySource(pid, walker, log);
        }
        else
        {
            if (sampling.Engine == SamplingEngine.ClrMd)
            {
                log.Warning("The clrmd engine copies stacks on Linux x64 only; using clrmd-suspend (the target is stopped for each whole walk)");
            }

            source = new LiveSource(pid, walker, log);
        }

        var plan = new SamplingPlan(sampling.Samples, TimeSpan.FromMilliseconds(sampling.IntervalMs), sampling.Duration, budget);
        return new SampledTarget(source, frames, plan, sampling.GroupBy, pid, processName);
    }

    /// <summary>Frames a counted stack may hold: <c>--max-frames</c>, the <c>(truncated)</c> marker and the shaper's.</summary>
    public static int DepotFrames(SamplingSettings sampling) => sampling.MaxFrames + 1 + StackShaper.ExtraFrames;

    /// <summary>A report builder over <paramref name="depot"/> that names frames (the engine's and the shaper's) and threads.</summary>
    public StackReportBuilder CreateBuilder(Depot depot, ReportValueType valueType) =>
        new(depot, [valueType], Source.GetFrame)
        {
            DescribeThread = id => Source.DescribeThread(id) is { } thread ? new ReportThread(thread.ThreadId, thread.Name, thread.KindText) : null,
        };

    /// <summary>Frames symbolized so far.</summary>
    public int Symbolized => _frames.Symbolized;

    /// <summary>The names of <paramref name="threadIds"/>, for formats that label samples with them (pprof).</summary>
    public Dictionary<int, string> ThreadNamesOf(IEnumerable<int> threadIds) => threadIds.ToDictionary(t => t, t => Source.DescribeThread(t).Name);

    /// <summary>Releases the target and the frame table's files.</summary>
    public void Dispose()
    {
        Source.Dispose();
        _frames.Dispose();
    }
}
