using System.CommandLine;
using StackDepot.Reporting;

namespace StackDepot.Cli.Options;

/// <summary>
/// Report options: <c>-f/--format</c>, <c>-o/--output</c>, <c>--top</c>, <c>--min-count</c>. The accepted formats,
/// their help and the default cut come from the <see cref="ReportFormatRegistry"/>: a format that keeps all stacks
/// (a flame graph) is not cut unless <c>--top</c> is given.
/// </summary>
internal sealed class ReportOptions
{
    /// <summary>The default of <c>--top</c> for formats that may be cut.</summary>
    public const int DefaultTop = 20;

    private readonly ReportFormatRegistry _formats;

    /// <summary>Creates the options over the formats a command offers.</summary>
    /// <param name="formats">The formats.</param>
    /// <param name="counted">What <c>--min-count</c> counts, as its help says it: "seen at least N times" for thread
    /// stacks, "with at least N samples" for allocation stacks.</param>
    public ReportOptions(ReportFormatRegistry formats, string counted = "seen at least N times")
    {
        _formats = formats;
        string keepAll = string.Join(", ", formats.Where(f => f.KeepsAllStacks).Select(f => f.Name));
        Top = CommonOptions.NonNegative(new Option<int>("--top")
        {
            // No default value here: the default depends on the format (the help says which), and is applied in Read.
            Description = $"Show the N largest stacks, 0 for all (default {DefaultTop}; all for {(keepAll.Length > 0 ? keepAll : "flame graph formats")})",
            HelpName = "N",
        });
        MinCount = CommonOptions.WholeNumber(new("--min-count") { Description = $"Show only stacks {counted}", DefaultValueFactory = _ => 0, HelpName = "N" });
        Format = CommonOptions.OneOf(new Option<string>("--format", "-f")
        {
            Description = "Output format:" + string.Concat(formats.Select(f => $"\n  {f.Name}: {f.Description}{(f.IsBinary ? " (binary)" : string.Empty)}")),
            DefaultValueFactory = _ => formats.Names[0],
        }, [.. formats.Names]);
    }

    public Option<string> Format { get; }

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "Write the report to FILE instead of stdout", HelpName = "FILE" };

    public Option<int> Top { get; }

    public Option<long> MinCount { get; }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Format, Output, Top, MinCount })
        {
            command.Add(option);
        }
    }

    /// <summary>The settings given (or defaulted).</summary>
    public ReportSettings Read(ParseResult parse)
    {
        IReportFormatter formatter = _formats.Get(parse.GetValue(Format)!);
        bool topGiven = parse.GetResult(Top) is { Implicit: false };
        return new ReportSettings
        {
            Formatter = formatter,
            OutputPath = parse.GetValue(Output),
            // A flame graph is wrong when stacks are cut: all stacks unless --top is given.
            Top = topGiven ? parse.GetValue(Top) : formatter.KeepsAllStacks ? 0 : DefaultTop,
            MinCount = parse.GetValue(MinCount),
        };
    }
}
