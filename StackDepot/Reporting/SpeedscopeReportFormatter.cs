using System.Reflection;
using System.Text;
using System.Text.Json;

namespace StackDepot.Reporting;

/// <summary>
/// A speedscope file: shared frames, then one <c>sampled</c> profile per value type. Each entry becomes one sample
/// (frame indices from the outermost to the innermost frame) whose weight is the entry's value. Samples are ordered by
/// their path (frame names from the root), so that speedscope's time-order view, which draws samples side by side in
/// file order, shows each root and each shared prefix once. The <c>exporter</c> is <see cref="StackReport.Producer"/>.
/// </summary>
internal sealed class SpeedscopeReportFormatter : ITextReportFormatter
{
    /// <inheritdoc/>
    public string Name => "speedscope";

    /// <inheritdoc/>
    public string Description => "a file for https://www.speedscope.app: one sampled profile per value type";

    /// <inheritdoc/>
    public bool KeepsAllStacks => true;

    internal const string SchemaUrl = "https://www.speedscope.app/file-format-schema.json";

    /// <inheritdoc/>
    public void Write(StackReport report, TextWriter output)
    {
        var frameIndex = new Dictionary<ReportFrame, int>();
        var frames = new List<ReportFrame>();
        var samples = new List<int[]>(report.Entries.Count);
        StackReportEntry[] entries = [.. report.Entries.OrderBy(e => e, PathOrder.Instance)];
        foreach (StackReportEntry entry in entries)
        {
            IReadOnlyList<ReportFrame> stack = ReportFormatting.FramesOrPlaceholder(entry);
            var sample = new int[stack.Count];
            for (int i = 0; i < stack.Count; i++)
            {
                ReportFrame frame = stack[stack.Count - 1 - i];
                if (!frameIndex.TryGetValue(frame, out int index))
                {
                    index = frames.Count;
                    frames.Add(frame);
                    frameIndex.Add(frame, index);
                }

                sample[i] = index;
            }

            samples.Add(sample);
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("$schema", SchemaUrl);
            json.WriteString("name", report.Title);
            json.WriteNumber("activeProfileIndex", 0);
            json.WriteString("exporter", report.Producer ?? "StackDepot " + Version());

            json.WriteStartObject("shared");
            json.WriteStartArray("frames");
            foreach (ReportFrame frame in frames)
            {
                json.WriteStartObject();
                json.WriteString("name", frame.DisplayName);
                if (frame.File is { Length: > 0 } file)
                {
                    json.WriteString("file", file);
                    if (frame.Line > 0)
                    {
                        json.WriteNumber("line", frame.Line);
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteStartArray("profiles");
            for (int v = 0; v < report.ValueTypes.Count; v++)
            {
                ReportValueType type = report.ValueTypes[v];
                long shown = 0;
                foreach (StackReportEntry entry in entries)
                {
                    shown += entry.Values[v];
                }

                json.WriteStartObject();
                json.WriteString("type", "sampled");
                json.WriteString("name", report.Title + " (" + type.Name + ")");
                json.WriteString("unit", type.Unit == "bytes" ? "bytes" : "none");
                json.WriteNumber("startValue", 0);
                json.WriteNumber("endValue", shown);
                json.WriteStartArray("samples");
                foreach (int[] sample in samples)
                {
                    json.WriteStartArray();
                    foreach (int index in sample)
                    {
                        json.WriteNumberValue(index);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteStartArray("weights");
                foreach (StackReportEntry entry in entries)
                {
                    json.WriteNumberValue(entry.Values[v]);
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

    /// <summary>The library's version, for reports without a <see cref="StackReport.Producer"/>.</summary>
    internal static string Version() =>
        typeof(SpeedscopeReportFormatter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            .Split('+')[0] ?? "0.0.0";

    /// <summary>Orders entries by their frames' display names from the root (ordinal); a path before its extensions.</summary>
    private sealed class PathOrder : IComparer<StackReportEntry>
    {
        public static readonly PathOrder Instance = new();

        public int Compare(StackReportEntry? x, StackReportEntry? y)
        {
            IReadOnlyList<ReportFrame> a = ReportFormatting.FramesOrPlaceholder(x!);
            IReadOnlyList<ReportFrame> b = ReportFormatting.FramesOrPlaceholder(y!);
            for (int i = 1; i <= Math.Min(a.Count, b.Count); i++)
            {
                int byName = string.CompareOrdinal(a[^i].DisplayName, b[^i].DisplayName);
                if (byName != 0)
                {
                    return byName;
                }
            }

            return a.Count.CompareTo(b.Count);
        }
    }
}
