using System.Text;

namespace StackDepot.Reporting;

/// <summary>
/// The folded form of one stack, as flame graph tools read it: frames from the outermost to the innermost joined by
/// <c>;</c>. As in the stackcollapse scripts, <c>;</c> inside a frame is written as <c>:</c> and line breaks as spaces,
/// so that every line splits back into the same frames.
/// </summary>
public static class FoldedStack
{
    /// <summary>Appends <c>root;...;leaf</c> for <paramref name="frames"/> (innermost first) to <paramref name="line"/>.</summary>
    /// <param name="line">Where to append.</param>
    /// <param name="frames">The stack, innermost first; an empty stack is written as <see cref="ReportFrame.NoFrames"/>.</param>
    /// <returns><paramref name="line"/>.</returns>
    public static StringBuilder Append(StringBuilder line, IReadOnlyList<ReportFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0)
        {
            frames = [ReportFrame.NoFrames];
        }

        for (int i = frames.Count - 1; i >= 0; i--)
        {
            if (i != frames.Count - 1)
            {
                line.Append(';');
            }

            line.Append(Escape(frames[i].DisplayName));
        }

        return line;
    }

    /// <summary>Makes a frame name safe for one folded field.</summary>
    internal static string Escape(string name) => ReportFormatting.OneLine(name).Replace(';', ':');
}
