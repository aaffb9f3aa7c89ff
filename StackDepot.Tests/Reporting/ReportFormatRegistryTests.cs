using System.Text;
using StackDepot.Reporting;

namespace StackDepot.Tests.Reporting;

public class ReportFormatRegistryTests
{
    [Fact]
    public void The_default_registry_holds_the_library_formats_in_enum_order()
    {
        ReportFormatRegistry formats = ReportFormatRegistry.CreateDefault();
        Assert.Equal(["text", "tree", "folded", "speedscope", "json"], formats.Names);
        Assert.Equal(Enum.GetNames<ReportFormat>().Select(n => n.ToLowerInvariant()), formats.Names);
        Assert.Equal(formats.Names, StackReportWriter.FormatNames);
        Assert.All(formats, f => Assert.False(f.IsBinary));
        Assert.All(formats, f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));

        // Flame graph formats keep every stack; the others may be cut to the top N.
        Assert.Equal(["folded", "speedscope"], formats.Where(f => f.KeepsAllStacks).Select(f => f.Name));
    }

    [Fact]
    public void Each_enum_value_writes_through_the_formatter_of_the_same_name()
    {
        StackReport report = SampleReports.TwoStacks();
        ReportFormatRegistry formats = ReportFormatRegistry.CreateDefault();
        foreach (ReportFormat format in Enum.GetValues<ReportFormat>())
        {
            var byName = new StringWriter { NewLine = "\n" };
            StackReportWriter.Write(report, (ITextReportFormatter)formats.Get(format.ToString()), byName);
            Assert.Equal(StackReportWriter.WriteToString(report, format), byName.ToString());
            Assert.Same(StackReportWriter.FormatterOf(format).GetType(), formats.Get(format.ToString()).GetType());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => StackReportWriter.FormatterOf((ReportFormat)99));
    }

    [Fact]
    public void A_format_joins_with_one_line_and_is_found_by_name()
    {
        ReportFormatRegistry formats = ReportFormatRegistry.CreateDefault().Add(new CountsFormatter());
        Assert.Equal("counts", formats.Names[^1]);
        Assert.True(formats.TryGet(" COUNTS ", out IReportFormatter? found));
        Assert.IsType<CountsFormatter>(found);
        Assert.False(formats.TryGet("pprof", out _));
        Assert.False(formats.TryGet(null, out _));
        ArgumentException unknown = Assert.Throws<ArgumentException>(() => formats.Get("pprof"));
        Assert.Contains("text, tree, folded, speedscope, json, counts", unknown.Message, StringComparison.Ordinal);

        // The library's own parsing is not changed by another registry.
        Assert.False(StackReportWriter.TryParseFormat("counts", out _));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("Counts")]
    [InlineData("two words")]
    [InlineData("")]
    public void Taken_or_malformed_names_are_refused(string name)
    {
        ReportFormatRegistry formats = ReportFormatRegistry.CreateDefault();
        Assert.Throws<ArgumentException>(() => formats.Add(new CountsFormatter(name)));
        Assert.Equal(5, formats.Count);
    }

    [Fact]
    public void Text_formats_write_utf8_without_a_byte_order_mark_to_a_stream_left_open()
    {
        StackReport report = SampleReports.Allocations();
        using var stream = new MemoryStream();
        StackReportWriter.Write(report, StackReportWriter.FormatterOf(ReportFormat.Text), stream);
        Assert.True(stream.CanWrite, "the stream was closed");
        byte[] bytes = stream.ToArray();
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal(StackReportWriter.WriteToString(report, ReportFormat.Text), new UTF8Encoding(false, true).GetString(bytes));
    }

    [Fact]
    public void A_binary_format_writes_bytes_and_gets_only_checked_reports()
    {
        var binary = new BinaryFormatter();
        using var stream = new MemoryStream();
        StackReportWriter.Write(SampleReports.TwoStacks(), binary, stream);
        Assert.Equal([2, 5, 3], stream.ToArray());

        var bad = new StackReport
        {
            Title = "t",
            ValueTypes = [ReportValueType.Bytes, ReportValueType.Objects],
            Entries = [new StackReportEntry { Frames = [], Values = [1] }],
        };
        Assert.Throws<ArgumentException>(() => StackReportWriter.Write(bad, binary, stream));
        Assert.Equal(1, binary.Calls);
    }

    /// <summary>A text format from "another assembly": one line per stack with its first value.</summary>
    private sealed class CountsFormatter(string name = "counts") : ITextReportFormatter
    {
        public string Name => name;

        public string Description => "first values, one per line";

        public bool KeepsAllStacks => false;

        public void Write(StackReport report, TextWriter output)
        {
            foreach (StackReportEntry entry in report.Entries)
            {
                output.Write(entry.Values[0].ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            }
        }
    }

    /// <summary>A binary format: the entry count, then each entry's first value, one byte each.</summary>
    private sealed class BinaryFormatter : IReportFormatter
    {
        public int Calls { get; private set; }

        public string Name => "bytes";

        public string Description => "a byte per stack";

        public bool KeepsAllStacks => true;

        public bool IsBinary => true;

        public void Write(StackReport report, Stream output)
        {
            Calls++;
            output.WriteByte((byte)report.Entries.Count);
            foreach (StackReportEntry entry in report.Entries)
            {
                output.WriteByte((byte)entry.Values[0]);
            }
        }
    }
}
