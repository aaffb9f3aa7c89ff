using System.Text;

namespace StackDepot.Reporting;

/// <summary>
/// A format that writes text. Implement <see cref="Write(StackReport, TextWriter)"/>; writing to a
/// <see cref="Stream"/> is provided (UTF-8 without a byte order mark, <c>\n</c> line ends).
/// </summary>
public interface ITextReportFormatter : IReportFormatter
{
    /// <inheritdoc/>
    bool IReportFormatter.IsBinary => false;

    /// <summary>Writes <paramref name="report"/> as text.</summary>
    /// <param name="report">The report, already checked by <see cref="StackReportWriter"/>.</param>
    /// <param name="output">Where to write; not closed. The text ends with a line break.</param>
    void Write(StackReport report, TextWriter output);

    /// <inheritdoc/>
    void IReportFormatter.Write(StackReport report, Stream output)
    {
        using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true)
        {
            NewLine = "\n",
        };
        Write(report, writer);
        writer.Flush();
    }
}
