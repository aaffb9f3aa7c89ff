using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using StackDepot.Cli.Allocations;
using StackDepot.Cli.Options;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>The options <c>alloc</c> and <c>leaks</c> share: target (or <c>-- COMMAND</c>), <c>--duration</c>, report
/// and <c>--quiet</c>; <c>alloc</c> adds <c>--view</c>.</summary>
internal sealed partial class AllocationOptions
{
    private readonly TimeSpan _defaultDuration;

    /// <summary>Creates the options.</summary>
    /// <param name="formats">The report formats.</param>
    /// <param name="defaultDuration">The duration when <c>--duration</c> is not given and the target is a running process.</param>
    /// <param name="withView">Whether to offer <c>--view allocated|live</c>.</param>
    public AllocationOptions(ReportFormatRegistry formats, TimeSpan defaultDuration, bool withView)
    {
        _defaultDuration = defaultDuration;
        Report = new ReportOptions(formats);
        Duration = new Option<TimeSpan?>("--duration")
        {
            Description = $"How long to record, such as 10s, 500ms or 2m (default {Text(defaultDuration)} for --pid/--name; until the program exits for -- COMMAND)",
            HelpName = "TIME",
            CustomParser = ParseDuration,
        };
        View = withView
            ? new Option<string>("--view") { Description = "allocated: everything allocated, by bytes; live: what is still alive at the end, by bytes", DefaultValueFactory = _ => "allocated" }
                .AcceptOnlyFromAmong("allocated", "live")
            : null;
    }

    public TargetOptions Target { get; } = new(allowDump: false, allowCommand: true);

    public Option<TimeSpan?> Duration { get; }

    public Option<string>? View { get; }

    public ReportOptions Report { get; }

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
            Quiet = parse.GetValue(Quiet),
        };
    }

    /// <summary>"10s", "500ms", "2m", "1h", or a bare number of seconds; positive.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        Match match = DurationPattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            return false;
        }

        double seconds = match.Groups[2].Value switch
        {
            "ms" => value / 1000,
            "m" => value * 60,
            "h" => value * 3600,
            _ => value,
        };
        if (!(seconds > 0) || seconds > TimeSpan.FromDays(30).TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    private static TimeSpan? ParseDuration(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParseDuration(text, out TimeSpan duration))
        {
            return duration;
        }

        result.AddError($"--duration must be a positive time such as 10s, 500ms or 2m, not '{text}'");
        return null;
    }

    private static string Text(TimeSpan duration) => duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
