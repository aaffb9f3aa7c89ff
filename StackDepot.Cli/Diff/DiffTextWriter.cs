using System.Globalization;
using StackDepot.Reporting;

namespace StackDepot.Cli.Diff;

/// <summary>The diff for people: a header with both captures and their totals, then each changed stack (the largest
/// change first) with its change, both values, the relative change and its frames.</summary>
internal static class DiffTextWriter
{
    public static void Write(StackDiff diff, string baseName, string newName, int top, TextWriter output)
    {
        ReportValueType type = diff.ValueTypes[0];
        output.Write($"Change of {type.Name} from BASE to NEW, by stack\n");
        output.Write($"  BASE: {baseName}: {diff.BaseReport.Title}, total {Number(diff.BaseTotal, type)}{(diff.BaseScale != 1.0 ? string.Create(CultureInfo.InvariantCulture, $" (normalized: times {diff.BaseScale:0.####})") : string.Empty)}\n");
        output.Write($"  NEW:  {newName}: {diff.NewReport.Title}, total {Number(diff.NewTotal, type)}\n");
        var counts = diff.Changes.GroupBy(c => c.Kind).ToDictionary(g => g.Key, g => g.Count());
        output.Write($"  stacks: {Count(counts, ChangeKind.Grew)} grew, {Count(counts, ChangeKind.Shrank)} shrank, {Count(counts, ChangeKind.Appeared)} appeared, {Count(counts, ChangeKind.Vanished)} vanished, {Count(counts, ChangeKind.Unchanged)} unchanged\n");
        foreach ((string role, StackReport report) in new[] { ("BASE", diff.BaseReport), ("NEW", diff.NewReport) })
        {
            if (report.OmittedEntries > 0)
            {
                output.Write($"  note: {role} left out {report.OmittedEntries} stacks (top-N cut); they count as absent here\n");
            }
        }

        List<StackChange> changed = [.. diff.Changes.Where(c => c.Kind != ChangeKind.Unchanged)];
        int shown = top > 0 ? Math.Min(top, changed.Count) : changed.Count;
        foreach (StackChange change in changed.Take(shown))
        {
            output.Write('\n');
            string relative = change.Relative is double r ? r.ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture) : "new";
            output.Write($"{Signed(change.Change, type)} ({relative}): {Number(change.Base[0], type)} -> {Number(change.New[0], type)}, {Kind(change.Kind)}\n");
            foreach (ReportFrame frame in change.Frames)
            {
                output.Write("    ");
                output.Write(OneLine(frame.DisplayName));
                output.Write('\n');
            }
        }

        if (changed.Count > shown)
        {
            output.Write($"\n...and {changed.Count - shown} more changed stacks\n");
        }
        else if (changed.Count == 0)
        {
            output.Write("\n(no stack changed)\n");
        }
    }

    private static int Count(Dictionary<ChangeKind, int> counts, ChangeKind kind) => counts.GetValueOrDefault(kind);

    private static string Kind(ChangeKind kind) => kind.ToString().ToLowerInvariant();

    private static string Number(double value, ReportValueType type) =>
        type.Unit == "bytes" ? ReportQuantity.Bytes(value) : ReportQuantity.Count(value);

    private static string Signed(double value, ReportValueType type) => (Math.Round(value) >= 0 ? "+" : "-") + Number(Math.Abs(value), type);

    private static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));
}
