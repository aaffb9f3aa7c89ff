using StackDepot.Reporting;

namespace StackDepot.Tests.Reporting;

/// <summary>These run against the real <see cref="Depot"/>.</summary>
public class StackReportBuilderTests
{
    private static ReportFrame Frame(ulong id) => new($"M{id}()", "Mod", id);

    [Fact]
    public void Identical_stacks_share_one_handle_and_are_counted_together()
    {
        using var depot = new Depot();
        var builder = new StackReportBuilder(depot, [ReportValueType.Threads], Frame);

        StackHandle a = builder.Add([1UL, 2, 3], threadId: 10);
        StackHandle b = builder.Add([1UL, 2, 3], threadId: 11);
        StackHandle c = builder.Add([4UL, 3], threadId: 12);
        builder.Add([1UL, 2, 3], threadId: 10); // same thread seen again

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(2, builder.DistinctStacks);

        StackReport report = builder.Build("t");
        Assert.Equal(2, report.Entries.Count);
        Assert.Equal([3L], report.Entries[0].Values);
        Assert.Equal([10, 11], report.Entries[0].ThreadIds);
        Assert.Equal([2L, 1], report.Entries[0].ThreadValues); // thread 10 was seen twice on this stack
        Assert.Equal(a, report.Entries[0].Handle);
        Assert.Equal(["M1()", "M2()", "M3()"], report.Entries[0].Frames.Select(f => f.Name));
        Assert.Equal([1L], report.Entries[1].Values);
        Assert.Equal([4L], report.Totals);
        Assert.Equal("2", report.Properties["distinct stacks"]);
    }

    [Fact]
    public void Each_distinct_frame_is_symbolized_once()
    {
        using var depot = new Depot();
        var calls = new Dictionary<ulong, int>();
        var builder = new StackReportBuilder(depot, [ReportValueType.Samples], id =>
        {
            calls[id] = calls.GetValueOrDefault(id) + 1;
            return Frame(id);
        });
        builder.SetFrame(9, new ReportFrame("preset"));
        builder.Add([1UL, 2, 3]);
        builder.Add([2UL, 3]);
        builder.Add([9UL, 3]);

        StackReport first = builder.Build("t");
        builder.Build("again");

        Assert.Equal(new Dictionary<ulong, int> { [1] = 1, [2] = 1, [3] = 1 }, calls);
        Assert.Equal("preset", first.Entries.Single(e => e.Frames.Count == 2 && e.Frames[0].Address == 0).Frames[0].Name);
        Assert.True(builder.HasFrame(1));
        Assert.False(builder.HasFrame(4));
    }

    [Fact]
    public void Top_and_min_value_cut_entries_but_not_totals()
    {
        using var depot = new Depot();
        var builder = new StackReportBuilder(depot, [ReportValueType.Bytes, ReportValueType.Objects], Frame);
        builder.Add([1UL], [100, 1]);
        builder.Add([2UL], [300, 3]);
        builder.Add([3UL], [200, 2]);
        builder.Add([4UL], [50, 5]);
        builder.Add([1UL], [100, 1]);

        StackReport top2 = builder.Build("t", top: 2);
        Assert.Equal([[300L, 3L], [200L, 2L]], top2.Entries.Select(e => e.Values));
        Assert.Equal(2, top2.OmittedEntries);
        Assert.Equal([750L, 12L], top2.Totals);

        StackReport min = builder.Build("t", minValue: 200);
        Assert.Equal(3, min.Entries.Count);
        Assert.Equal([200L, 2L], min.Entries[1].Values); // tie on bytes broken by objects
        Assert.Equal([200L, 2L], min.Entries[2].Values);
        Assert.Equal(1, min.OmittedEntries);

        StackReport all = builder.Build("t");
        Assert.Equal(4, all.Entries.Count);
        Assert.Equal(0, all.OmittedEntries);
    }

    [Fact]
    public void Ties_keep_first_seen_order()
    {
        using var depot = new Depot();
        var builder = new StackReportBuilder(depot, [ReportValueType.Threads], Frame);
        builder.Add([30UL]);
        builder.Add([10UL]);
        builder.Add([20UL]);
        Assert.Equal([30UL, 10UL, 20UL], builder.Build("t").Entries.Select(e => e.Frames[0].Address));
    }

    [Fact]
    public void The_empty_stack_is_an_entry_without_frames()
    {
        using var depot = new Depot();
        var builder = new StackReportBuilder(depot, [ReportValueType.Threads], Frame);
        Assert.True(builder.Add([], threadId: 3).IsNone);
        builder.Add([], threadId: 4);
        StackReport report = builder.Build("t");
        StackReportEntry entry = Assert.Single(report.Entries);
        Assert.Empty(entry.Frames);
        Assert.Equal([2L], entry.Values);
        Assert.Equal([3, 4], entry.ThreadIds);
    }

    [Fact]
    public void Properties_keep_their_order_and_values_must_match_value_types()
    {
        using var depot = new Depot();
        var builder = new StackReportBuilder(depot, [ReportValueType.Threads], Frame);
        builder.Add([1UL]);
        StackReport report = builder.Build("t", properties: new Dictionary<string, string> { ["pid"] = "1", ["samples"] = "2" });
        Assert.Equal(["pid", "samples", "distinct stacks"], report.Properties.Keys);
        Assert.Throws<ArgumentException>(() => builder.Add([1UL], [1, 2]));
        Assert.Throws<ArgumentException>(() => new StackReportBuilder(depot, [], Frame));
    }
}
