using System.Globalization;
using System.Text.Json;
using StackDepot.Reporting;

namespace StackDepot.Cli.Diff;

/// <summary>Reads a <c>stackdepot.report/1</c> JSON document (docs/cli.md) back into a <see cref="StackReport"/>.</summary>
internal static class JsonReportReader
{
    /// <summary>Reads a report.</summary>
    /// <exception cref="InvalidDataException">Not JSON, or not a <c>stackdepot.report/1</c> document; the message says
    /// what is wrong.</exception>
    public static StackReport Read(Stream input)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(input, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not a JSON document ({e.Message})", e);
        }

        using (document)
        {
            try
            {
                return Convert(document.RootElement);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or OverflowException)
            {
                throw new InvalidDataException($"not a {StackReportWriter.JsonSchemaId} document ({e.Message})", e);
            }
        }
    }

    private static StackReport Convert(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("schema", out JsonElement schema) || schema.GetString() != StackReportWriter.JsonSchemaId)
        {
            throw new InvalidDataException($"not a {StackReportWriter.JsonSchemaId} document (its \"schema\" member is missing or different)");
        }

        ReportValueType[] types = [.. root.GetProperty("valueTypes").EnumerateArray().Select(t => new ReportValueType(Text(t, "name"), Text(t, "unit")))];
        if (types.Length == 0)
        {
            throw new InvalidDataException($"not a valid {StackReportWriter.JsonSchemaId} document: it has no value types");
        }

        var entries = new List<StackReportEntry>();
        foreach (JsonElement stack in root.GetProperty("stacks").EnumerateArray())
        {
            long[] values = [.. stack.GetProperty("values").EnumerateArray().Select(v => v.GetInt64())];
            if (values.Length != types.Length)
            {
                throw new InvalidDataException($"not a valid {StackReportWriter.JsonSchemaId} document: a stack has {values.Length} values for {types.Length} value types");
            }

            entries.Add(new StackReportEntry
            {
                Values = values,
                ThreadIds = stack.TryGetProperty("threadIds", out JsonElement ids) ? [.. ids.EnumerateArray().Select(i => i.GetInt32())] : [],
                Caption = stack.TryGetProperty("caption", out JsonElement caption) ? caption.GetString() : null,
                Frames = [.. stack.GetProperty("frames").EnumerateArray().Select(Frame)],
            });
        }

        var properties = new Dictionary<string, string>();
        if (root.TryGetProperty("properties", out JsonElement facts))
        {
            foreach (JsonProperty fact in facts.EnumerateObject())
            {
                properties[fact.Name] = fact.Value.GetString() ?? string.Empty;
            }
        }

        return new StackReport
        {
            Title = root.GetProperty("title").GetString() ?? string.Empty,
            ValueTypes = types,
            Entries = entries,
            Totals = root.TryGetProperty("totals", out JsonElement totals) ? [.. totals.EnumerateArray().Select(t => t.GetInt64())] : [],
            OmittedEntries = root.TryGetProperty("omittedStacks", out JsonElement omitted) ? omitted.GetInt32() : 0,
            Properties = properties,
        };
    }

    private static ReportFrame Frame(JsonElement frame)
    {
        ulong address = 0;
        if (frame.TryGetProperty("address", out JsonElement a) && a.GetString() is { } text)
        {
            address = ulong.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }

        return new ReportFrame(
            Text(frame, "name"),
            frame.TryGetProperty("module", out JsonElement module) ? module.GetString() : null,
            address,
            frame.TryGetProperty("file", out JsonElement file) ? file.GetString() : null,
            frame.TryGetProperty("line", out JsonElement line) ? line.GetInt32() : 0);
    }

    /// <summary>A member that must be a string.</summary>
    private static string Text(JsonElement element, string name) =>
        element.GetProperty(name).GetString() ?? throw new InvalidDataException($"not a valid {StackReportWriter.JsonSchemaId} document: a \"{name}\" is null");
}
