using System.Globalization;

namespace StackDepot.Reporting;

/// <summary>Writes a <see cref="StackReport"/> in one of the <see cref="ReportFormat"/>s.</summary>
public static class StackReportWriter
{
    /// <summary>The value of the <c>schema</c> member of JSON reports. Changes only when a member changes meaning or
    /// is removed; members may be added without a new version.</summary>
    public const string JsonSchemaId = "stackdepot.report/1";

    /// <summary>The format names accepted by <see cref="TryParseFormat"/>, in display order.</summary>
    public static IReadOnlyList<string> FormatNames { get; } = ["text", "tree", "folded", "speedscope", "json"];

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/> in <paramref name="format"/>.</summary>
    /// <param name="report">The report to write.</param>
    /// <param name="format">The output format.</param>
    /// <param name="output">Where to write; not closed. Text formats end with a newline.</param>
    /// <exception cref="ArgumentException">An entry has a different number of values than the report has value types.</exception>
    public static void Write(StackReport report, ReportFormat format, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        Validate(report);
        switch (format)
        {
            case ReportFormat.Text:
                TextReportFormatter.Write(report, output);
                break;
            case ReportFormat.Tree:
                TreeReportFormatter.Write(report, output);
                break;
            case ReportFormat.Folded:
                FoldedReportFormatter.Write(report, output);
                break;
            case ReportFormat.Speedscope:
                SpeedscopeReportFormatter.Write(report, output);
                break;
            case ReportFormat.Json:
                JsonReportFormatter.Write(report, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format.");
        }

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
        switch (name?.Trim().ToLowerInvariant())
        {
            case "text": format = ReportFormat.Text; return true;
            case "tree": format = ReportFormat.Tree; return true;
            case "folded": format = ReportFormat.Folded; return true;
            case "speedscope": format = ReportFormat.Speedscope; return true;
            case "json": format = ReportFormat.Json; return true;
            default: format = default; return false;
        }
    }

    private static void Validate(StackReport report)
    {
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
