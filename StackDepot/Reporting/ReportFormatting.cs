using System.Globalization;
using System.Text;

namespace StackDepot.Reporting;

/// <summary>Small helpers shared by the formatters.</summary>
internal static class ReportFormatting
{
    /// <summary>How many thread ids the text formats print before "+N more".</summary>
    internal const int ThreadIdsShown = 8;

    internal static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A value for people: bytes in binary units (<c>"12.0 MiB"</c>), counts with thousands separators
    /// (<c>"1,234"</c>).</summary>
    internal static string Value(double value, ReportValueType type) =>
        type.IsBytes ? ReportQuantity.Bytes(value) : ReportQuantity.Count(value);

    /// <summary>"5 threads", "1 thread", "1,234 objects" (for Go's <c>alloc_objects</c> and <c>inuse_objects</c>),
    /// "12.0 MiB".</summary>
    internal static string Quantity(long value, ReportValueType type)
    {
        if (type.IsBytes)
        {
            return ReportQuantity.Bytes(value);
        }

        string name = Noun(type);
        if (value == 1 && type.Singular is { } singular)
        {
            name = singular;
        }
        else if (value == 1 && name.Length > 1 && name.EndsWith('s'))
        {
            name = name[..^1];
        }

        return ReportQuantity.Count(value) + " " + name;
    }

    /// <summary>What a count type counts, in words: its name, or "objects" for Go's <c>alloc_objects</c> and
    /// <c>inuse_objects</c>.</summary>
    internal static string Noun(ReportValueType type) =>
        type.Name.EndsWith("_objects", StringComparison.Ordinal) ? "objects" : type.Name;

    /// <summary>"12.3%", or "-" without a total.</summary>
    internal static string Percent(double value, double total) => ReportQuantity.Percent(value, total);

    internal static string ThreadList(IReadOnlyList<int> ids)
    {
        var builder = new StringBuilder();
        int shown = Math.Min(ids.Count, ThreadIdsShown);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(ids[i].ToString(CultureInfo.InvariantCulture));
        }

        if (ids.Count > shown)
        {
            builder.Append(" +").Append((ids.Count - shown).ToString(CultureInfo.InvariantCulture)).Append(" more");
        }

        return builder.ToString();
    }

    /// <summary>The distinct thread labels of a stack in first-seen order, each with how many threads carry it
    /// (<c>.NET TP Worker (thread pool worker) x4, five-0</c>), up to <see cref="ThreadIdsShown"/> then <c>+N more</c>.</summary>
    internal static string ThreadNames(IReadOnlyList<ReportThread> threads)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (ReportThread thread in threads)
        {
            string label = thread.Label;
            if (counts.TryGetValue(label, out int count))
            {
                counts[label] = count + 1;
            }
            else
            {
                counts[label] = 1;
                order.Add(label);
            }
        }

        var builder = new StringBuilder();
        int shown = Math.Min(order.Count, ThreadIdsShown);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(order[i]);
            if (counts[order[i]] > 1)
            {
                builder.Append(" x").Append(counts[order[i]].ToString(CultureInfo.InvariantCulture));
            }
        }

        if (order.Count > shown)
        {
            builder.Append(" +").Append((order.Count - shown).ToString(CultureInfo.InvariantCulture)).Append(" more");
        }

        return builder.ToString();
    }

    /// <summary>Replaces line breaks (and other control characters) by spaces so one frame stays on one line.</summary>
    internal static string OneLine(string text)
    {
        bool clean = true;
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }

    /// <summary>The entry's frames, or a single <see cref="ReportFrame.NoFrames"/> frame for an empty stack.</summary>
    internal static IReadOnlyList<ReportFrame> FramesOrPlaceholder(StackReportEntry entry) =>
        entry.Frames.Count > 0 ? entry.Frames : [ReportFrame.NoFrames];
}
