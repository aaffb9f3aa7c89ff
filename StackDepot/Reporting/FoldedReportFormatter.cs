using System.Text;

namespace StackDepot.Reporting;

/// <summary>
/// Folded stacks: one line per stack in the form of <see cref="FoldedStack"/>, then a space and the first value, ordered
/// by path (<see cref="StackPathComparer"/>) as the stackcollapse scripts write them, so that viewers that draw lines in
/// file order show each root once.
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
        foreach (StackReportEntry entry in report.Entries.Order(StackPathComparer.Instance))
        {
            line.Clear();
            FoldedStack.Append(line, entry.Frames).Append(' ').Append(ReportFormatting.Number(entry.Values[0])).Append('\n');
            output.Write(line);
        }
    }
}
