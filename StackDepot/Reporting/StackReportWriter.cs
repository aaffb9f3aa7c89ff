using System.Globalization;

namespace StackDepot.Reporting;

/// <summary>
/// Writes a <see cref="StackReport"/> in a format: one of the library's <see cref="ReportFormat"/>s, or any
/// <see cref="IReportFormatter"/> (see <see cref="ReportFormatRegistry"/>). Every path checks the report first.
/// </summary>
public static class StackReportWriter
{
    /// <summary>The value of the <c>schema</c> member of JSON reports. Changes only when a member changes meaning or
    /// is removed; members may be added without a new version.</summary>
    public const string JsonSchemaId = "stackdepot.report/1";

    /// <summary>The library's formats; each <see cref="ReportFormat"/> value is the format of the same name.</summary>
    private static readonly ReportFormatRegistry s_builtin = ReportFormatRegistry.CreateDefault();

    /// <summary>The format names accepted by <see cref="TryParseFormat"/>, in display order.</summary>
    public static IReadOnlyList<string> FormatNames { get; } =
        s_builtin.Names.Where(name => Enum.TryParse<ReportFormat>(name, ignoreCase: true, out _)).ToArray();

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/> in <paramref name="format"/>.</summary>
    /// <param name="report">The report to write.</param>
    /// <param name="format">The output format.</param>
    /// <param name="output">Where to write; not closed. Text formats end with a newline.</param>
    /// <exception cref="ArgumentException">An entry has a different number of values than the report has value types.</exception>
    public static void Write(StackReport report, ReportFormat format, TextWriter output) =>
        Write(report, FormatterOf(format), output);

    /// <summary>Writes <paramref name="report"/> as text in the format of <paramref name="formatter"/>.</summary>
    /// <param name="report">The report to write.</param>
    /// <param name="formatter">A text format.</param>
    /// <param name="output">Where to write; flushed, not closed.</param>
    /// <exception cref="ArgumentException">An entry has a different number of values than the report has value types.</exception>
    public static void Write(StackReport report, ITextReportFormatter formatter, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        ArgumentNullException.ThrowIfNull(output);
        Validate(report);
        formatter.Write(report, output);
        output.Flush();
    }

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/> in the format of
    /// <paramref name="formatter"/>, text (UTF-8) or binary.</summary>
    /// <param name="report">The report to write.</param>
    /// <param name="formatter">The format.</param>
    /// <param name="output">Where to write; flushed, not closed.</param>
    /// <exception cref="ArgumentException">An entry has a different number of values than the report has value types.</exception>
    public static void Write(StackReport report, IReportFormatter formatter, Stream output)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        ArgumentNullException.ThrowIfNull(output);
        Validate(report);
        formatter.Write(report, output);
        output.Flush();
    }

    /// <summary>Writes <paramref name="report"/> to a string in <paramref name="format"/>.</summary>
    /// <param name="report">The report to write.</param>
    /// <param name="format">The output format.</param>
    /// <returns>The formatted report.</returns>
    public static string WriteToString(StackReport report, ReportFormat format)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(report, format, writer);
        return writer.ToString();
    }

    /// <summary>Parses a format name (<c>text</c>, <c>tree</c>, <c>folded</c>, <c>speedscope</c>, <c>json</c>;
    /// case-insensitive).</summary>
    /// <param name="name">The name to parse.</param>
    /// <param name="format">The format, when the name is known.</param>
    /// <returns>True when <paramref name="name"/> names a format.</returns>
    public static bool TryParseFormat(string? name, out ReportFormat format)
    {
        format = default;
        return s_builtin.TryGet(name, out IReportFormatter? formatter)
            && Enum.TryParse(formatter.Name, ignoreCase: true, out format);
    }

    /// <summary>The library's formatter of <paramref name="format"/>.</summary>
    /// <param name="format">A format.</param>
    /// <returns>Its formatter (all library formats write text).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is not a defined value.</exception>
    public static ITextReportFormatter FormatterOf(ReportFormat format) =>
        Enum.IsDefined(format) && s_builtin.TryGet(format.ToString(), out IReportFormatter? formatter)
            ? (ITextReportFormatter)formatter
            : throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format.");

    private static void Validate(StackReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.ValueTypes.Count == 0)
        {
            throw new ArgumentException("A report needs at least one value type.", nameof(report));
        }

        foreach (StackReportEntry entry in report.Entries)
        {
            if (entry.Values.Length != report.ValueTypes.Count)
            {
                throw new ArgumentException(
                    $"Entry {entry.Handle} has {entry.Values.Length} values; the report has {report.ValueTypes.Count} value types.",
                    nameof(report));
            }
        }
    }
}
