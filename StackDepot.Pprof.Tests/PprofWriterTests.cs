using StackDepot.Pprof.Proto;
using StackDepot.Reporting;

namespace StackDepot.Pprof.Tests;

public class PprofWriterTests
{
    internal static readonly ReportFrame Start = new("System.Threading.Thread.StartCallback()", "System.Private.CoreLib");
    internal static readonly ReportFrame Worker = new("Demo.Worker.Run() + 0x2a", "Demo", 0x7f0000002000, "Worker.cs", 17) { Method = "Demo.Worker.Run()", MethodLine = 12 };
    internal static readonly ReportFrame WorkerElsewhere = new("Demo.Worker.Run() + 0x40", "Demo", 0x7f0000002040, "Worker.cs", 19) { Method = "Demo.Worker.Run()", MethodLine = 12 };
    internal static readonly ReportFrame Take = new("Demo.Queue.Take(Int32)", "Demo");
    internal static readonly ReportFrame Wait = new("System.Threading.Monitor.Wait(Object, Int32)", "System.Private.CoreLib");
    internal static readonly ReportFrame Sleep = new("System.Threading.Thread.Sleep(Int32)", "System.Private.CoreLib");

    /// <summary>Five worker threads on one stack (two of them seen twice), three on a stack through another line of the
    /// same method, one thread without managed frames: 3 snapshots.</summary>
    internal static StackReport Threads(int omitted = 0, long[]? totals = null) => new()
    {
        Title = "Stacks of Demo (pid 42)",
        ValueTypes = [ReportValueType.Samples],
        Entries =
        [
            new StackReportEntry { Frames = [Wait, Take, Worker, Start], Values = [7], ThreadIds = [11, 12, 13, 14, 15], ThreadValues = [1, 2, 2, 1, 1] },
            new StackReportEntry { Frames = [Sleep, WorkerElsewhere, Start], Values = [3], ThreadIds = [21, 22, 23], ThreadValues = [1, 1, 1] },
            new StackReportEntry { Frames = [], Values = [3], ThreadIds = [1], ThreadValues = [3] },
        ],
        Totals = totals ?? [13],
        OmittedEntries = omitted,
        Properties = new Dictionary<string, string> { ["pid"] = "42", ["samples"] = "3, every 100 ms" },
        StartTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Duration = TimeSpan.FromMilliseconds(250),
        PeriodType = ReportValueType.Threads,
        Period = 1,
        ThreadNames = new Dictionary<int, string> { [11] = "order-worker-0", [1] = "dotnet" },
    };

    [Fact]
    public void A_thread_report_is_a_threads_count_profile_with_a_sample_per_thread_and_stack()
    {
        Profile profile = Profiles.Decode(Profiles.Write(Threads()));
        Profiles.AssertWellFormed(profile);

        Assert.Equal(["threads/count"], profile.SampleTypes());
        Assert.Equal("threads", profile.S(profile.PeriodType.Type));
        Assert.Equal("count", profile.S(profile.PeriodType.Unit));
        Assert.Equal(1, profile.Period);
        Assert.Equal("threads", profile.S(profile.DefaultSampleType));
        Assert.Equal([13L], profile.Totals());
        Assert.Equal((new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) - DateTimeOffset.UnixEpoch).Ticks * 100, profile.TimeNanos);
        Assert.Equal(250_000_000, profile.DurationNanos);

        // One sample per thread and stack, labelled with the thread id (and name where known), valued by its share.
        Assert.Equal(5 + 3 + 1, profile.Sample.Count);
        Sample twice = Assert.Single(profile.Sample, s => profile.Labels(s)["thread_id"] == "12");
        Assert.Equal(2, twice.Value[0]);
        Assert.Equal(["System.Threading.Monitor.Wait(Object, Int32)", "Demo.Queue.Take(Int32)", "Demo.Worker.Run()", "System.Threading.Thread.StartCallback()"],
            profile.Stack(twice));
        Sample named = Assert.Single(profile.Sample, s => profile.Labels(s)["thread_id"] == "11");
        Assert.Equal("order-worker-0", profile.Labels(named)["thread_name"]);
        Assert.DoesNotContain("thread_name", profile.Labels(twice).Keys);

        // A thread without managed frames is kept, under a placeholder frame, so the totals are right.
        Sample empty = Assert.Single(profile.Sample, s => profile.Labels(s)["thread_id"] == "1");
        Assert.Equal(["(no frames)"], profile.Stack(empty));
        Assert.Equal(3, empty.Value[0]);
    }

    [Fact]
    public void One_function_per_method_one_location_per_frame_one_mapping_per_module()
    {
        Profile profile = Profiles.Decode(Profiles.Write(Threads()));

        // Demo.Worker.Run() appears at two offsets: two locations with their lines, one function with its first line.
        Function run = Assert.Single(profile.Function, f => profile.S(f.Name) == "Demo.Worker.Run()");
        Assert.Equal("Worker.cs", profile.S(run.Filename));
        Assert.Equal(12, run.StartLine);
        Assert.Equal("Demo.Worker.Run()", profile.S(run.SystemName));
        Location[] runs = [.. profile.Location.Where(l => l.Line.Any(line => line.FunctionId == run.Id))];
        Assert.Equal([17L, 19L], runs.Select(l => l.Line.Single().Line_).Order());
        Assert.Equal([0x7f0000002000UL, 0x7f0000002040UL], runs.Select(l => l.Address).Order());

        // Six distinct frames (and the placeholder): seven locations, seven functions less the shared method.
        Assert.Equal(7, profile.Location.Count);
        Assert.Equal(6, profile.Function.Count);
        Assert.Equal(profile.Function.Count, profile.Function.Select(f => profile.S(f.Name)).Distinct().Count());

        // Each module is one mapping, marked symbolized so that readers do not try to symbolize it.
        Assert.Equal(["Demo", "System.Private.CoreLib"], profile.Mapping.Select(m => profile.S(m.Filename)).Order());
        Assert.All(profile.Mapping, m => Assert.True(m.HasFunctions));
        Mapping demo = profile.Mapping.Single(m => profile.S(m.Filename) == "Demo");
        Assert.True(demo.HasFilenames && demo.HasLineNumbers);
        Assert.All(runs, l => Assert.Equal(demo.Id, l.MappingId));
        Location placeholder = profile.Location.Single(l => profile.S(profile.Function.Single(f => f.Id == l.Line[0].FunctionId).Name) == "(no frames)");
        Assert.Equal(0UL, placeholder.MappingId);
    }

    [Fact]
    public void Title_and_header_facts_are_comments()
    {
        Profile profile = Profiles.Decode(Profiles.Write(Threads()));
        Assert.Equal(["Stacks of Demo (pid 42)", "pid: 42", "samples: 3, every 100 ms"], profile.Comment.Select(c => profile.S(c)));
    }

    [Fact]
    public void Stacks_cut_from_the_report_are_one_sample_that_keeps_the_totals()
    {
        StackReport report = Threads(omitted: 4, totals: [20]);
        Profile profile = Profiles.Decode(Profiles.Write(report));
        Profiles.AssertWellFormed(profile);
        Assert.Equal([20L], profile.Totals());
        Sample rest = Assert.Single(profile.Sample, s => profile.Stack(s).SequenceEqual(["[4 more stacks]"]));
        Assert.Equal(7, rest.Value[0]);
        Assert.Empty(rest.Label);
    }

    [Fact]
    public void A_thread_entry_without_shares_is_one_unlabelled_sample()
    {
        // Several snapshots and no per-thread shares: which thread counted how much is unknown.
        StackReport report = Threads() with
        {
            Entries = [new StackReportEntry { Frames = [Sleep, Start], Values = [5], ThreadIds = [7, 8] }],
            Totals = [5],
        };
        Profile profile = Profiles.Decode(Profiles.Write(report));
        Sample sample = Assert.Single(profile.Sample);
        Assert.Equal(5, sample.Value[0]);
        Assert.Empty(sample.Label);

        // One snapshot: each thread on the stack counts one.
        report = report with { Entries = [new StackReportEntry { Frames = [Sleep, Start], Values = [2], ThreadIds = [7, 8] }], Totals = [2] };
        profile = Profiles.Decode(Profiles.Write(report));
        Assert.Equal(["7", "8"], profile.Sample.Select(s => profile.Labels(s)["thread_id"]));
        Assert.All(profile.Sample, s => Assert.Equal(1, s.Value[0]));
    }

    [Fact]
    public void Heap_value_types_give_gos_heap_sample_types_in_gos_order_and_nothing_else()
    {
        var report = new StackReport
        {
            Title = "Live objects",
            ValueTypes = [ReportValueType.LiveBytes, ReportValueType.LiveObjects, new("samples", "count"), ReportValueType.AllocatedBytes, ReportValueType.AllocatedObjects],
            Entries =
            [
                new StackReportEntry { Frames = [Take, Worker, Start], Values = [4096, 4, 2, 8192, 8] },
                new StackReportEntry { Frames = [Sleep, Start], Values = [100, 1, 1, 300, 3] },
            ],
            PeriodType = ReportValueType.Space,
            Period = 102400,
        };
        Profile profile = Profiles.Decode(Profiles.Write(report));
        Profiles.AssertWellFormed(profile);
        Assert.Equal(["alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"], profile.SampleTypes());
        Assert.Equal([11L, 8492, 5, 4196], profile.Totals());
        Assert.Equal("inuse_space", profile.S(profile.DefaultSampleType)); // the report's sort key
        Assert.Equal("space", profile.S(profile.PeriodType.Type));
        Assert.Equal(102400, profile.Period);
        Assert.Equal(0, profile.TimeNanos);
    }

    [Fact]
    public void Other_value_types_are_written_under_their_own_names()
    {
        var report = new StackReport
        {
            Title = "Custom",
            ValueTypes = [new("wait time", "nanoseconds"), ReportValueType.Objects],
            Entries = [new StackReportEntry { Frames = [Wait, Start], Values = [1500, 3] }],
        };
        Profile profile = Profiles.Decode(Profiles.Write(report));
        Assert.Equal(["wait_time/nanoseconds", "objects/count"], profile.SampleTypes());
        Assert.Equal("wait_time", profile.S(profile.PeriodType.Type));
        Assert.Equal(1, profile.Period);
    }

    [Fact]
    public void The_formatter_is_binary_keeps_all_stacks_and_joins_a_registry_as_pprof()
    {
        ReportFormatRegistry formats = ReportFormatRegistry.CreateDefault().Add(new PprofReportFormatter());
        IReportFormatter pprof = formats.Get("pprof");
        Assert.True(pprof.IsBinary);
        Assert.True(pprof.KeepsAllStacks);

        // A malformed report is refused before a byte is written.
        var bad = new StackReport { Title = "bad", ValueTypes = [ReportValueType.Threads], Entries = [new StackReportEntry { Frames = [], Values = [1, 2] }] };
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => StackReportWriter.Write(bad, pprof, stream));
        Assert.Equal(0, stream.Length);
    }
}
