using System.Text;

namespace StackDepot.Reporting;

/// <summary>
/// Folded stacks: one line per stack, frames from the outermost to the innermost separated by <c>;</c>, then a space
/// and the first value. As in the stackcollapse scripts, <c>;</c> inside a frame is written as <c>:</c> and line
/// breaks as spaces, so that every line splits back into the same frames.
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
            IReadOnlyList<ReportFrame> frames = ReportFormatting.FramesOrPlaceholder(entry);
            for (int i = frames.Count - 1; i >= 0; i--)
            {
                if (i != frames.Count - 1)
                {
                    line.Append(';');
                }

                line.Append(Escape(frames[i].DisplayName));
            }

            line.Append(' ').Append(ReportFormatting.Number(entry.Values[0])).Append('\n');
            output.Write(line);
        }
    }

    /// <summary>Makes a frame name safe for one folded field.</summary>
    internal static string Escape(string name) => ReportFormatting.OneLine(name).Replace(';', ':');
}
