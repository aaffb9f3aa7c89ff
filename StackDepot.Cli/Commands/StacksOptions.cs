using System.CommandLine;
using StackDepot.Cli.Options;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>The options <c>stacks</c> and <c>demo</c> share: sampling, report and <c>--quiet</c>.</summary>
internal sealed class StacksOptions(ReportFormatRegistry formats, int defaultSamples = 1)
{
    public SamplingOptions Sampling { get; } = new(defaultSamples);

    public ReportOptions Report { get; } = new(formats);

    public Option<bool> Quiet { get; } = CommonOptions.Quiet();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        Sampling.AddTo(command);
        Report.AddTo(command);
        command.Add(Quiet);
    }

    /// <summary>The settings given (or defaulted), for <paramref name="target"/>.</summary>
    public StacksSettings Read(ParseResult parse, TargetSelection target) => new()
    {
        Target = target,
        Sampling = Sampling.Read(parse),
        Report = Report.Read(parse),
        Quiet = parse.GetValue(Quiet),
    };
}
