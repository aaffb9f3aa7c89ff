using System.Globalization;
using System.Text;
using StackDepot.Reporting;

namespace StackDepot.Cli.Diff;

/// <summary>
/// The two-column folded form that <c>difffolded.pl</c> writes and <c>flamegraph.pl</c> reads as a differential flame
/// graph: <c>root;...;leaf BASE NEW</c>, one line per stack of either capture (BASE rounded when normalized).
/// </summary>
internal static class DiffFoldedWriter
{
    public static void Write(StackDiff diff, TextWriter output)
    {
        var line = new StringBuilder();
        foreach (StackChange change in diff.Changes)
        {
            line.Clear();
            FoldedStack.Append(line, change.Frames)
                .Append(' ').Append(Math.Round(change.Base[0]).ToString("0", CultureInfo.InvariantCulture))
                .Append(' ').Append(change.New[0].ToString(CultureInfo.InvariantCulture)).Append('\n');
            output.Write(line);
        }
    }
}
