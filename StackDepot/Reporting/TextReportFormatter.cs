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
            output.Write(ReportQuantity.Count(report.OmittedEntries));
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

        rows.AddRange(TotalRows(report));

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

    /// <summary>
    /// The totals, for people: <c>total threads: 15</c> for a value type without a <see cref="ReportValueType.Label"/>;
    /// <c>LABEL: VALUE</c> with one; a bytes type and a count type with the same label on one line,
    /// <c>allocated (estimated): 679.0 MiB in 457,361 objects</c>. Bytes in binary units, counts with thousands separators.
    /// </summary>
    internal static IEnumerable<(string Key, string Value)> TotalRows(StackReport report)
    {
        IReadOnlyList<ReportValueType> types = report.ValueTypes;
        var done = new bool[types.Count];
        for (int i = 0; i < types.Count; i++)
        {
            if (done[i])
            {
                continue;
            }

            ReportValueType type = types[i];
            if (type.Label is not { } label)
            {
                yield return ("total " + type.Name, ReportFormatting.Value(report.TotalOf(i), type));
                continue;
            }

            int partner = -1;
            for (int j = i + 1; j < types.Count && partner < 0; j++)
            {
                if (!done[j] && types[j].Label == label && types[j].IsBytes != type.IsBytes)
                {
                    partner = j;
                }
            }

            if (partner < 0)
            {
                yield return (label, ReportFormatting.Value(report.TotalOf(i), type));
                continue;
            }

            done[partner] = true;
            (int bytes, int count) = type.IsBytes ? (i, partner) : (partner, i);
            yield return (label, ReportQuantity.Bytes(report.TotalOf(bytes)) + " in " + ReportFormatting.Quantity(report.TotalOf(count), types[count]));
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
