using System.CommandLine;
using StackDepot.Cli.Allocations;
using StackDepot.Cli.Options;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>The options <c>alloc</c> and <c>leaks</c> share: target (or <c>-- COMMAND</c>), <c>--duration</c>,
/// <c>--runtime-frames</c>, <c>--raw-names</c>, report and <c>--quiet</c>; <c>alloc</c> adds <c>--view</c>.</summary>
internal sealed class AllocationOptions
{
    private readonly TimeSpan _defaultDuration;

    /// <summary>Creates the options.</summary>
    /// <param name="formats">The report formats.</param>
    /// <param name="defaultDuration">The duration when <c>--duration</c> is not given and the target is a running process.</param>
    /// <param name="withView">Whether to offer <c>--view allocated|live</c>.</param>
    public AllocationOptions(ReportFormatRegistry formats, TimeSpan defaultDuration, bool withView)
    {
        _defaultDuration = defaultDuration;
        Report = new ReportOptions(formats, "with at least N samples (N samples still alive for --view live and leaks)");
        Duration = CommonOptions.Duration(
            $"How long to record, such as 10s, 500ms or 2m (default {DurationText.AsTyped(defaultDuration)} for --pid/--name; until the program exits for -- COMMAND)");
        View = withView
            ? CommonOptions.OneOf(new Option<string>("--view") { Description = "allocated: everything allocated, by bytes; live: what is still alive at the end, by bytes", DefaultValueFactory = _ => "allocated" },
                "allocated", "live")
            : null;
    }

    public TargetOptions Target { get; } = new(allowDump: false, allowCommand: true);

    public Option<TimeSpan?> Duration { get; }

    public Option<string>? View { get; }

    public ReportOptions Report { get; }

    public Option<bool> RuntimeFrames { get; } = CommonOptions.RuntimeFrames();

    public Option<bool> RawNames { get; } = CommonOptions.RawNames();

    public Option<bool> Quiet { get; } = CommonOptions.Quiet();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        Target.AddTo(command);
        command.Add(Duration);
        if (View is not null)
        {
            command.Add(View);
        }

        command.Add(RuntimeFrames);
        command.Add(RawNames);
        Report.AddTo(command);
        command.Add(Quiet);
    }

    /// <summary>The settings given (or defaulted).</summary>
    public AllocationSettings Read(ParseResult parse, AllocationView? view = null)
    {
        TargetSelection target = Target.Read(parse);
        return new AllocationSettings
        {
            Target = target,
            Duration = parse.GetValue(Duration) ?? (target.Command is null ? _defaultDuration : Timeout.InfiniteTimeSpan),
            View = view ?? (View is not null && parse.GetValue(View) == "live" ? AllocationView.Live : AllocationView.Allocated),
            Report = Report.Read(parse),
            RuntimeFrames = parse.GetValue(RuntimeFrames),
            RawNames = parse.GetValue(RawNames),
            Quiet = parse.GetValue(Quiet),
        };
    }
}
