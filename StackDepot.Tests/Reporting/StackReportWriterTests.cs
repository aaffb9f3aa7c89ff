using System.Reflection;
using System.Text.Json;
using StackDepot.Reporting;

namespace StackDepot.Tests.Reporting;

public class StackReportWriterTests
{
    [Fact]
    public void Text_prints_header_totals_counts_percentages_threads_and_frames()
    {
        string text = StackReportWriter.WriteToString(SampleReports.TwoStacks(omitted: 2, totals: [10]), ReportFormat.Text);
        string[] lines = text.Split('\n');

        Assert.Equal("Stacks of Demo (pid 42)", lines[0]);
        Assert.Contains("  pid:           42", lines);
        Assert.Contains("  process:       Demo", lines);
        Assert.Contains("  total threads: 10", lines);
        Assert.Contains("5 threads (50.0%)", lines);
        Assert.Contains("3 threads (30.0%)", lines);
        Assert.Contains("  thread ids: 11, 12, 13, 14, 15", lines);
        Assert.Contains("    System.Private.CoreLib!System.Threading.Monitor.Wait(Object, Int32)", lines);
        Assert.Contains("    Demo!Demo.Queue.Take(Int32) + 0x10  at Queue.cs:42", lines);
        Assert.Contains("...and 2 more stacks", lines);

        // Innermost frame first, the larger stack first.
        int wait = Array.IndexOf(lines, "    System.Private.CoreLib!System.Threading.Monitor.Wait(Object, Int32)");
        int worker = Array.IndexOf(lines, "    Demo!Demo.Worker.Run() + 0x2a");
        int sleep = Array.IndexOf(lines, "    System.Private.CoreLib!System.Threading.Thread.Sleep(Int32)");
        Assert.True(wait < worker && worker < sleep, text);
        Assert.EndsWith("\n", text);
    }

    [Fact]
    public void Text_shortens_long_thread_lists_and_uses_captions()
    {
        var report = new StackReport
        {
            Title = "t",
            ValueTypes = [ReportValueType.Threads],
            Entries = [new StackReportEntry { Frames = [SampleReports.Worker], Values = [11], ThreadIds = Enumerable.Range(1, 11).ToArray() }],
        };
        string text = StackReportWriter.WriteToString(report, ReportFormat.Text);
        Assert.Contains("  thread ids: 1, 2, 3, 4, 5, 6, 7, 8 +3 more\n", text);
        Assert.Contains("11 threads (100.0%)\n", text);

        string allocations = StackReportWriter.WriteToString(SampleReports.Allocations(), ReportFormat.Text);
        Assert.Contains("\n12 objects (of 40 tracked) created at:\n    Demo!Odd;Name With break\n", allocations);
        Assert.Contains("\n100 bytes (1.2%), 1 object (2.5%)\n    (no frames)\n", allocations);
        Assert.DoesNotContain("4096 bytes", allocations);
    }

    [Fact]
    public void A_value_type_names_one_by_its_singular_when_it_has_one()
    {
        StackReport Report(ReportValueType type) => new()
        {
            Title = "t",
            ValueTypes = [type],
            Entries =
            [
                new StackReportEntry { Frames = [SampleReports.Worker], Values = [1], ThreadIds = [7] },
                new StackReportEntry { Frames = [SampleReports.Timer], Values = [2] },
            ],
        };

        string mixed = StackReportWriter.WriteToString(Report(ReportValueType.ThreadsAndTasks), ReportFormat.Text);
        Assert.Contains("\n1 thread or task (33.3%)\n", mixed);
        Assert.Contains("\n2 threads and tasks (66.7%)\n", mixed);
        Assert.Contains("~~~~ 1 thread or task", StackReportWriter.WriteToString(Report(ReportValueType.ThreadsAndTasks), ReportFormat.Tree));

        string tasks = StackReportWriter.WriteToString(Report(ReportValueType.Tasks), ReportFormat.Text);
        Assert.Contains("\n1 task (33.3%)\n", tasks);
    }

    [Fact]
    public void Tree_merges_common_prefixes_from_the_root()
    {
        string text = StackReportWriter.WriteToString(SampleReports.TwoStacks(), ReportFormat.Tree);
        string[] lines = text.Split('\n');

        Assert.Contains("8 threads in 2 stacks with 1 root, root first", lines);
        Assert.Contains("8  System.Private.CoreLib!System.Threading.Thread.StartCallback()", lines);
        Assert.Contains("5  +- Demo!Demo.Worker.Run() + 0x2a", lines);
        Assert.Contains("   |  Demo!Demo.Queue.Take(Int32) + 0x10", lines);
        Assert.Contains("   |  System.Private.CoreLib!System.Threading.Monitor.Wait(Object, Int32)", lines);
        Assert.Contains("   |    ~~~~ 5 threads, thread ids 11, 12, 13, 14, 15", lines);
        Assert.Contains("3  \\- Demo!Demo.Timer.Loop()", lines);
        Assert.Contains("        ~~~~ 3 threads, thread ids 21, 22, 23", lines);
        Assert.Single(lines, l => l.Contains("StartCallback", StringComparison.Ordinal));
    }

    [Fact]
    public void Tree_marks_stacks_that_end_inside_another()
    {
        var report = new StackReport
        {
            Title = "t",
            ValueTypes = [ReportValueType.Threads],
            Entries =
            [
                new StackReportEntry { Frames = [SampleReports.Worker, SampleReports.Start], Values = [4], ThreadIds = [1] },
                new StackReportEntry { Frames = [SampleReports.Start], Values = [2], ThreadIds = [2] },
            ],
        };
        string[] lines = StackReportWriter.WriteToString(report, ReportFormat.Tree).Split('\n');
        Assert.Contains("6  System.Private.CoreLib!System.Threading.Thread.StartCallback()", lines);
        Assert.Contains("     ~~~~ ends here: 2 threads, thread ids 2", lines);
        Assert.Contains("4  \\- Demo!Demo.Worker.Run() + 0x2a", lines);
    }

    [Fact]
    public void Folded_writes_root_first_lines_that_split_back_into_the_frames()
    {
        string text = StackReportWriter.WriteToString(SampleReports.TwoStacks(), ReportFormat.Folded);
        Assert.Equal(
            "System.Private.CoreLib!System.Threading.Thread.StartCallback();Demo!Demo.Worker.Run() + 0x2a;" +
            "Demo!Demo.Queue.Take(Int32) + 0x10;System.Private.CoreLib!System.Threading.Monitor.Wait(Object, Int32) 5\n" +
            "System.Private.CoreLib!System.Threading.Thread.StartCallback();Demo!Demo.Timer.Loop();" +
            "System.Private.CoreLib!System.Threading.Thread.Sleep(Int32) 3\n",
            text);

        string odd = StackReportWriter.WriteToString(SampleReports.Allocations(), ReportFormat.Folded);
        string[] lines = odd.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        int space = lines[0].LastIndexOf(' ');
        string[] frames = lines[0][..space].Split(';');
        Assert.Equal(["System.Private.CoreLib!System.Threading.Thread.StartCallback()", "Demo!Demo.Worker.Run() + 0x2a", "Demo!Odd:Name With break"], frames);
        Assert.Equal("4096", lines[0][(space + 1)..]);
        Assert.Equal("(no frames) 100", lines[1]);
    }

    [Fact]
    public void Speedscope_has_shared_frames_and_one_sampled_profile_per_value_type()
    {
        string text = StackReportWriter.WriteToString(SampleReports.Allocations(), ReportFormat.Speedscope);
        using JsonDocument doc = JsonDocument.Parse(text);
        JsonElement root = doc.RootElement;
        Assert.Equal("https://www.speedscope.app/file-format-schema.json", root.GetProperty("$schema").GetString());
        string[] frames = root.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray();
        JsonElement[] profiles = root.GetProperty("profiles").EnumerateArray().ToArray();
        Assert.Equal(2, profiles.Length);
        Assert.Equal("bytes", profiles[0].GetProperty("unit").GetString());
        Assert.Equal("none", profiles[1].GetProperty("unit").GetString());
        foreach (JsonElement profile in profiles)
        {
            Assert.Equal("sampled", profile.GetProperty("type").GetString());
            int[][] samples = profile.GetProperty("samples").EnumerateArray().Select(s => s.EnumerateArray().Select(i => i.GetInt32()).ToArray()).ToArray();
            Assert.Equal(2, samples.Length);
            // Ordered by path: "(no frames)" sorts before "System...".
            Assert.Equal(["(no frames)"], samples[0].Select(i => frames[i]));
            Assert.Equal(["System.Private.CoreLib!System.Threading.Thread.StartCallback()", "Demo!Demo.Worker.Run() + 0x2a", "Demo!Odd;Name\nWith break"], samples[1].Select(i => frames[i]));
        }

        Assert.Equal([100L, 4096L], profiles[0].GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()));
        Assert.Equal([1L, 12L], profiles[1].GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()));
        Assert.Equal(4196, profiles[0].GetProperty("endValue").GetInt64());
    }

    [Fact]
    public void Speedscope_orders_samples_by_path_so_the_time_order_view_draws_each_root_once()
    {
        // By value the stacks alternate between two roots (A, D, A, A); speedscope draws samples in file order, so
        // unsorted samples would show root A twice, side by side with D between.
        ReportFrame a = new("A()", "App"), b = new("B()", "App"), c = new("C()", "App"), d = new("D()", "App"),
            e = new("E()", "App"), f = new("F()", "App"), g = new("G()", "App");
        var report = new StackReport
        {
            Title = "t",
            ValueTypes = [ReportValueType.Samples],
            Entries =
            [
                new StackReportEntry { Frames = [c, b, a], Values = [5] },
                new StackReportEntry { Frames = [e, d], Values = [4] },
                new StackReportEntry { Frames = [f, b, a], Values = [3] },
                new StackReportEntry { Frames = [g, a], Values = [2] },
            ],
        };

        using JsonDocument doc = JsonDocument.Parse(StackReportWriter.WriteToString(report, ReportFormat.Speedscope));
        string[] frames = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(x => x.GetProperty("name").GetString()!).ToArray();
        JsonElement profile = doc.RootElement.GetProperty("profiles")[0];
        string[] paths = profile.GetProperty("samples").EnumerateArray()
            .Select(s => string.Join(";", s.EnumerateArray().Select(i => frames[i.GetInt32()]))).ToArray();

        Assert.Equal(["App!A();App!B();App!C()", "App!A();App!B();App!F()", "App!A();App!G()", "App!D();App!E()"], paths);
        Assert.Equal([5L, 3L, 2L, 4L], profile.GetProperty("weights").EnumerateArray().Select(w => w.GetInt64()));
        string[] roots = [.. paths.Select(p => p.Split(';')[0])];
        Assert.Equal(roots.Distinct().Count(), roots.Where((r, i) => i == 0 || roots[i - 1] != r).Count()); // each root in one run
    }

    [Fact]
    public void Speedscope_exporter_is_the_reports_producer_or_the_library()
    {
        StackReport named = SampleReports.TwoStacks();
        named = new StackReport { Title = named.Title, ValueTypes = named.ValueTypes, Entries = named.Entries, Producer = "stackdepot 9.9.9+abc" };

        using JsonDocument withProducer = JsonDocument.Parse(StackReportWriter.WriteToString(named, ReportFormat.Speedscope));
        using JsonDocument without = JsonDocument.Parse(StackReportWriter.WriteToString(SampleReports.TwoStacks(), ReportFormat.Speedscope));

        Assert.Equal("stackdepot 9.9.9+abc", withProducer.RootElement.GetProperty("exporter").GetString());
        string library = typeof(StackReport).Assembly.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Equal("StackDepot " + library, without.RootElement.GetProperty("exporter").GetString());
    }

    [Fact]
    public void Speedscope_frames_keep_source_file_and_line()
    {
        using JsonDocument doc = JsonDocument.Parse(StackReportWriter.WriteToString(SampleReports.TwoStacks(), ReportFormat.Speedscope));
        JsonElement take = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Single(f => f.GetProperty("name").GetString() == "Demo!Demo.Queue.Take(Int32) + 0x10");
        Assert.Equal("Queue.cs", take.GetProperty("file").GetString());
        Assert.Equal(42, take.GetProperty("line").GetInt32());
        Assert.Equal(6, doc.RootElement.GetProperty("shared").GetProperty("frames").GetArrayLength()); // StartCallback once for both stacks
    }

    [Fact]
    public void Json_is_versioned_and_round_trips_every_field()
    {
        string text = StackReportWriter.WriteToString(SampleReports.TwoStacks(omitted: 1, totals: [9]), ReportFormat.Json);
        using JsonDocument doc = JsonDocument.Parse(text);
        JsonElement root = doc.RootElement;
        Assert.Equal("stackdepot.report/1", root.GetProperty("schema").GetString());
        Assert.Equal("Stacks of Demo (pid 42)", root.GetProperty("title").GetString());
        Assert.Equal("42", root.GetProperty("properties").GetProperty("pid").GetString());
        Assert.Equal("threads", root.GetProperty("valueTypes")[0].GetProperty("name").GetString());
        Assert.Equal("count", root.GetProperty("valueTypes")[0].GetProperty("unit").GetString());
        Assert.Equal(9, root.GetProperty("totals")[0].GetInt64());
        Assert.Equal(1, root.GetProperty("omittedStacks").GetInt32());

        JsonElement first = root.GetProperty("stacks")[0];
        Assert.Equal(0x101u, first.GetProperty("handle").GetUInt32());
        Assert.Equal(5, first.GetProperty("values")[0].GetInt64());
        Assert.Equal([11, 12, 13, 14, 15], first.GetProperty("threadIds").EnumerateArray().Select(t => t.GetInt32()));
        JsonElement take = first.GetProperty("frames")[1];
        Assert.Equal("Demo.Queue.Take(Int32) + 0x10", take.GetProperty("name").GetString());
        Assert.Equal("Demo", take.GetProperty("module").GetString());
        Assert.Equal("0x7f0000003000", take.GetProperty("address").GetString());
        Assert.Equal("Queue.cs", take.GetProperty("file").GetString());
        Assert.Equal(42, take.GetProperty("line").GetInt32());
        Assert.False(first.TryGetProperty("caption", out _));
        Assert.Contains("Demo.Worker.Run() + 0x2a", text, StringComparison.Ordinal); // '+' not escaped
    }

    [Fact]
    public void Json_writes_captions_and_omits_unknown_frame_fields()
    {
        using JsonDocument doc = JsonDocument.Parse(StackReportWriter.WriteToString(SampleReports.Allocations(), ReportFormat.Json));
        JsonElement first = doc.RootElement.GetProperty("stacks")[0];
        Assert.Equal("12 objects (of 40 tracked) created at:", first.GetProperty("caption").GetString());
        Assert.Equal("Odd;Name\nWith break", first.GetProperty("frames")[0].GetProperty("name").GetString());
        Assert.False(first.GetProperty("frames")[0].TryGetProperty("address", out _));
        Assert.Equal(0, doc.RootElement.GetProperty("stacks")[1].GetProperty("frames").GetArrayLength());
        Assert.Equal([8192L, 40L], doc.RootElement.GetProperty("totals").EnumerateArray().Select(t => t.GetInt64()));
    }

    [Fact]
    public void Totals_default_to_the_sum_of_the_entries()
    {
        StackReport report = SampleReports.TwoStacks(totals: []);
        Assert.Equal(8, report.TotalOf(0));
        Assert.Contains("5 threads (62.5%)", StackReportWriter.WriteToString(report, ReportFormat.Text), StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_with_the_wrong_number_of_values_are_rejected()
    {
        var report = new StackReport
        {
            Title = "t",
            ValueTypes = [ReportValueType.Bytes, ReportValueType.Objects],
            Entries = [new StackReportEntry { Frames = [], Values = [1] }],
        };
        foreach (ReportFormat format in Enum.GetValues<ReportFormat>())
        {
            Assert.Throws<ArgumentException>(() => StackReportWriter.WriteToString(report, format));
        }
    }

    [Theory]
    [InlineData("text", ReportFormat.Text)]
    [InlineData("TREE", ReportFormat.Tree)]
    [InlineData(" folded ", ReportFormat.Folded)]
    [InlineData("speedscope", ReportFormat.Speedscope)]
    [InlineData("json", ReportFormat.Json)]
    public void Format_names_parse(string name, ReportFormat expected)
    {
        Assert.True(StackReportWriter.TryParseFormat(name, out ReportFormat format));
        Assert.Equal(expected, format);
    }

    [Fact]
    public void Unknown_format_names_do_not_parse()
    {
        Assert.False(StackReportWriter.TryParseFormat("pprof", out _));
        Assert.False(StackReportWriter.TryParseFormat(null, out _));
    }

    [Fact]
    public void A_frame_names_its_method_without_the_offset_when_the_producer_says_so()
    {
        var plain = new ReportFrame("A.B(Int32)", "M");
        Assert.Equal("A.B(Int32)", plain.Method);
        var offset = new ReportFrame("A.B(Int32) + 0x1a", "M", 0x1000) { Method = "A.B(Int32)", MethodLine = 12 };
        Assert.Equal("A.B(Int32)", offset.Method);
        Assert.Equal(12, offset.MethodLine);
        Assert.NotEqual(plain, offset);
        Assert.Equal(offset, offset with { });
    }

    [Fact]
    public void Folded_stacks_are_root_first_with_separators_escaped_and_a_placeholder_for_no_frames()
    {
        Assert.Equal("Root;Mid:dle;Leaf 1", FoldedStack.Append(new System.Text.StringBuilder(), [new ReportFrame("Leaf 1"), new ReportFrame("Mid;dle"), new ReportFrame("Root")]).ToString());
        Assert.Equal("(no frames)", FoldedStack.Append(new System.Text.StringBuilder(), []).ToString());
    }
}
