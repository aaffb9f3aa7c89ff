using System.CommandLine;
using System.Text;
using StackDepot.Cli.Diff;
using StackDepot.Cli.Options;
using StackDepot.Cli.Output;
using StackDepot.Reporting;

namespace StackDepot.Cli.Commands;

/// <summary>
/// <c>stackdepot diff BASE NEW</c>: two captures of the same process (JSON or pprof, from <c>stacks</c> or any report of
/// the same kind) compared stack by stack: which stacks grew, shrank, appeared or vanished.
/// </summary>
internal static class DiffCommand
{
    /// <summary>The formats of the diff itself; the report formats that can hold signed values (NEW minus BASE) are
    /// added from the registry when it has them.</summary>
    private static readonly string[] OwnFormats = ["text", "folded"];

    private static readonly string[] DifferenceFormats = ["json", "pprof"];

    /// <summary>The command: two files, <c>--format</c>, <c>-o</c>, <c>--top</c>, <c>--normalize</c>.</summary>
    public static Command Create(CliContext context)
    {
        var baseFile = new Argument<string>("BASE") { Description = "The earlier capture (stackdepot JSON or pprof, as written by --format json or pprof)" };
        var newFile = new Argument<string>("NEW") { Description = "The later capture of the same kind" };
        IReportFormatter[] difference = [.. DifferenceFormats.Select(n => context.Formats.TryGet(n, out IReportFormatter? f) ? f : null).OfType<IReportFormatter>()];
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format:" +
                "\n  text: each changed stack with its change, both values and the relative change, the largest change first" +
                "\n  folded: root;...;leaf BASE NEW lines (two columns), for flamegraph.pl as difffolded.pl writes them" +
                string.Concat(difference.Select(f => $"\n  {f.Name}: NEW minus BASE as a {f.Name} report{(f.Name == "pprof" ? " (what go tool pprof -diff_base shows)" : string.Empty)}")),
            DefaultValueFactory = _ => "text",
        }.AcceptOnlyFromAmong([.. OwnFormats, .. difference.Select(f => f.Name)]);
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of stdout", HelpName = "FILE" };
        Option<int> top = CommonOptions.NonNegative(new Option<int>("--top")
        {
            Description = $"text: show the N largest changes, 0 for all (default {ReportOptions.DefaultTop}); other formats write every stack",
            DefaultValueFactory = _ => ReportOptions.DefaultTop,
            HelpName = "N",
        });
        var normalize = new Option<bool>("--normalize", "-n") { Description = "Scale BASE so that its total equals NEW's (compare shares, not amounts)" };
        var command = new Command("diff", "Compare two captures of the same process: which stacks grew, shrank, appeared or vanished.")
        {
            baseFile, newFile, format, output, top, normalize,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(format)!;
            return (int)Run(
                context,
                parse.GetValue(baseFile)!,
                parse.GetValue(newFile)!,
                name,
                difference.FirstOrDefault(f => f.Name == name),
                parse.GetValue(output),
                parse.GetValue(top),
                parse.GetValue(normalize));
        });
        return command;
    }

    /// <summary>Reads both captures, compares them and writes the result.</summary>
    private static ExitCode Run(CliContext context, string basePath, string newPath, string format, IReportFormatter? formatter, string? outputPath, int top, bool normalize)
    {
        using OutputFile output = OutputFile.Open(outputPath, context.Console, formatter?.IsBinary == true);
        StackReport baseReport = CaptureFile.Read(basePath, "BASE");
        StackReport newReport = CaptureFile.Read(newPath, "NEW");
        StackDiff diff = StackDiff.Compare(baseReport, newReport, normalize);
        string baseName = Path.GetFileName(basePath), newName = Path.GetFileName(newPath);
        output.Write(stream =>
        {
            if (formatter is not null)
            {
                StackReportWriter.Write(diff.ToDifferenceReport(baseName, newName), formatter, stream);
                return;
            }

            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            if (format == "folded")
            {
                DiffFoldedWriter.Write(diff, writer);
            }
            else
            {
                DiffTextWriter.Write(diff, baseName, newName, top, writer);
            }
        });
        return ExitCode.Success;
    }
}
