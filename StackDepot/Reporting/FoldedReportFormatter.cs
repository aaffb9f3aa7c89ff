using System.Text;

namespace StackDepot.Reporting;

/// <summary>
/// Folded stacks: one line per stack in the form of <see cref="FoldedStack"/>, then a space and the first value.
/// </summary>
internal sealed class FoldedReportFormatter : ITextReportFormatter
{
    /// <inheritdoc/>
    public string Name => "folded";

    /// <inheritdoc/>
    public string Description => "one root;...;leaf count line per stack, for flame graph tools (flamegraph.pl, inferno, speedscope)";

    /// <inheritdoc/>
    public bool KeepsAllStacks => true;

    /// <inheritdoc/>
    public void Write(StackReport report, TextWriter output)
    {
        var line = new StringBuilder();
        foreach (StackReportEntry entry in report.Entries)
        {
            line.Clear();
            FoldedStack.Append(line, entry.Frames).Append(' ').Append(ReportFormatting.Number(entry.Values[0])).Append('\n');
            output.Write(line);
        }
    }
}
