using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StackDepot.Reporting;

/// <summary>
/// The versioned JSON document <c>stackdepot.report/1</c>; its members are documented in docs/cli.md. Addresses are
/// hexadecimal strings because 64-bit values do not survive JavaScript numbers.
/// </summary>
internal sealed class JsonReportFormatter : ITextReportFormatter
{
    /// <inheritdoc/>
    public string Name => "json";

    /// <inheritdoc/>
    public string Description => "the versioned JSON document stackdepot.report/1";

    /// <inheritdoc/>
    public bool KeepsAllStacks => false;

    /// <inheritdoc/>
    public void Write(StackReport report, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("schema", StackReportWriter.JsonSchemaId);
            json.WriteString("title", report.Title);

            json.WriteStartObject("properties");
            foreach (KeyValuePair<string, string> property in report.Properties)
            {
                json.WriteString(property.Key, property.Value);
            }

            json.WriteEndObject();

            json.WriteStartArray("valueTypes");
            foreach (ReportValueType type in report.ValueTypes)
            {
                json.WriteStartObject();
                json.WriteString("name", type.Name);
                json.WriteString("unit", type.Unit);
                if (type.Label is { } label)
                {
                    json.WriteString("label", label);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartArray("totals");
            for (int i = 0; i < report.ValueTypes.Count; i++)
            {
                json.WriteNumberValue(report.TotalOf(i));
            }

            json.WriteEndArray();
            json.WriteNumber("omittedStacks", report.OmittedEntries);

            json.WriteStartArray("stacks");
            foreach (StackReportEntry entry in report.Entries)
            {
                json.WriteStartObject();
                json.WriteNumber("handle", entry.Handle.Value);
                json.WriteStartArray("values");
                foreach (long value in entry.Values)
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
                if (entry.Caption is { } caption)
                {
                    json.WriteString("caption", caption);
                }

                json.WriteStartArray("threadIds");
                foreach (int id in entry.ThreadIds)
                {
                    json.WriteNumberValue(id);
                }

                json.WriteEndArray();
                if (entry.Threads.Count > 0)
                {
                    json.WriteStartArray("threads");
                    foreach (ReportThread thread in entry.Threads)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("id", thread.Id);
                        json.WriteString("name", thread.Name);
                        json.WriteString("kind", thread.Kind);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteStartArray("frames");
                foreach (ReportFrame frame in entry.Frames)
                {
                    json.WriteStartObject();
                    json.WriteString("name", frame.Name);
                    if (frame.Module is { } module)
                    {
                        json.WriteString("module", module);
                    }

                    if (frame.Address != 0)
                    {
                        json.WriteString("address", "0x" + frame.Address.ToString("x", CultureInfo.InvariantCulture));
                    }

                    if (frame.File is { } file)
                    {
                        json.WriteString("file", file);
                    }

                    if (frame.Line > 0)
                    {
                        json.WriteNumber("line", frame.Line);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Write('\n');
    }
}
