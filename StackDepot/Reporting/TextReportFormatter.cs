namespace StackDepot.Reporting;

/// <summary>The human-readable list format.</summary>
internal sealed class TextReportFormatter : ITextReportFormatter
{
    /// <inheritdoc/>
    public string Name => "text";

    /// <inheritdoc/>
    public string Description => "a header, then each stack with its values, percentages, thread ids and frames (innermost first)";

    /// <inheritdoc/>
    public bool KeepsAllStacks => false;

    /// <inheritdoc/>
    public void Write(StackReport report, TextWriter output)
    {
        WriteHeader(report, output);

        foreach (StackReportEntry entry in report.Entries)
        {
            output.Write('\n');
            output.Write(entry.Caption is { } caption ? ReportFormatting.OneLine(caption) : Heading(report, entry));
            output.Write('\n');
            if (entry.ThreadIds.Count > 0)
            {
                output.Write("  thread ids: ");
                output.Write(ReportFormatting.ThreadList(entry.ThreadIds));
                output.Write('\n');
            }

            if (entry.Threads.Count > 0)
            {
                output.Write("  thread names: ");
                output.Write(ReportFormatting.OneLine(ReportFormatting.ThreadNames(entry.Threads)));
                output.Write('\n');
            }

            foreach (ReportFrame frame in ReportFormatting.FramesOrPlaceholder(entry))
            {
                output.Write("    ");
                output.Write(ReportFormatting.OneLine(frame.DisplayName));
                if (frame.File is { Length: > 0 } file)
                {
                    output.Write("  at ");
                    output.Write(ReportFormatting.OneLine(file));
                    if (frame.Line > 0)
                    {
                        output.Write(':');
                        output.Write(ReportFormatting.Number(frame.Line));
                    }
                }

                output.Write('\n');
            }
        }

        if (report.OmittedEntries > 0)
        {
            output.Write('\n');
            output.Write("...and ");
            output.Write(ReportFormatting.Number(report.OmittedEntries));
            output.Write(report.OmittedEntries == 1 ? " more stack\n" : " more stacks\n");
        }
        else if (report.Entries.Count == 0)
        {
            output.Write("\n(no stacks)\n");
        }
    }

    /// <summary>Title, properties aligned in a column, then the totals.</summary>
    internal static void WriteHeader(StackReport report, TextWriter output)
    {
        output.Write(ReportFormatting.OneLine(report.Title));
        output.Write('\n');

        var rows = new List<(string Key, string Value)>();
        foreach (KeyValuePair<string, string> property in report.Properties)
        {
            rows.Add((property.Key, property.Value));
        }

        for (int i = 0; i < report.ValueTypes.Count; i++)
        {
            rows.Add(("total " + report.ValueTypes[i].Name, ReportFormatting.Number(report.TotalOf(i))));
        }

        int width = 0;
        foreach ((string key, _) in rows)
        {
            width = Math.Max(width, key.Length);
        }

        foreach ((string key, string value) in rows)
        {
            output.Write("  ");
            output.Write(ReportFormatting.OneLine(key));
            output.Write(':');
            output.Write(new string(' ', width - key.Length + 1));
            output.Write(ReportFormatting.OneLine(value));
            output.Write('\n');
        }
    }

    private static string Heading(StackReport report, StackReportEntry entry)
    {
        var parts = new List<string>(report.ValueTypes.Count);
        for (int i = 0; i < report.ValueTypes.Count; i++)
        {
            parts.Add(ReportFormatting.Quantity(entry.Values[i], report.ValueTypes[i]) + " (" +
                      ReportFormatting.Percent(entry.Values[i], report.TotalOf(i)) + ")");
        }

        return string.Join(", ", parts);
    }
}
