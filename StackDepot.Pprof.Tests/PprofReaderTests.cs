using System.IO.Compression;
using Google.Protobuf;
using StackDepot.Pprof.Proto;
using StackDepot.Reporting;

namespace StackDepot.Pprof.Tests;

public class PprofReaderTests
{
    [Fact]
    public void What_the_writer_writes_reads_back_as_the_same_stacks()
    {
        StackReport written = PprofWriterTests.Threads();
        StackReport read = PprofReportReader.Read(new MemoryStream(Profiles.Write(written)));

        Assert.Equal(written.Title, read.Title);
        Assert.Equal(written.Properties, read.Properties);
        Assert.Equal([ReportValueType.Threads], read.ValueTypes);
        Assert.Equal([13L], read.Totals);
        Assert.Equal(written.StartTime, read.StartTime);
        Assert.Equal(written.Duration, read.Duration);
        Assert.Equal(ReportValueType.Threads, read.PeriodType);
        Assert.Equal(1, read.Period);
        Assert.Equal(written.ThreadNames, read.ThreadNames);

        Assert.Equal(written.Entries.Count, read.Entries.Count);
        for (int i = 0; i < written.Entries.Count; i++)
        {
            StackReportEntry w = written.Entries[i], r = read.Entries[i];
            Assert.Equal(w.Values, r.Values);
            Assert.Equal(w.ThreadIds, r.ThreadIds);
            Assert.Equal(w.ThreadValues, r.ThreadValues);
            IReadOnlyList<ReportFrame> frames = w.Frames.Count > 0 ? w.Frames : [ReportFrame.NoFrames];
            Assert.Equal(frames.Select(f => (f.Method, f.Module, f.File, f.Line, f.MethodLine, f.Address)),
                r.Frames.Select(f => (f.Method, f.Module, f.File, f.Line, f.MethodLine, f.Address)));
        }
    }

    [Fact]
    public void Samples_of_one_stack_are_summed_and_entries_sorted_by_the_first_value()
    {
        Profile profile = Profiles.Decode(Profiles.Write(PprofWriterTests.Threads()));
        profile.Sample.Add(profile.Sample[^1].Clone()); // the thread without frames once more: 3 + 3
        StackReport read = PprofReportReader.Read(new MemoryStream(profile.ToByteArray())); // not gzip'd: also read
        Assert.Equal([7L, 6, 3], read.Entries.Select(e => e.Values[0]));
        Assert.Equal([6L], read.Entries[1].ThreadValues);
    }

    [Fact]
    public void A_profile_from_another_producer_reads_with_its_own_sample_types()
    {
        // Shaped as Go's heap profiles: sample types alloc_objects..inuse_space, no comments, addresses and inlined lines.
        var profile = new Profile();
        profile.StringTable.Add(["", "alloc_objects", "count", "alloc_space", "bytes", "main.leaf", "main.caller", "main.go", "/bin/app"]);
        profile.SampleType.Add(new Proto.ValueType { Type = 1, Unit = 2 });
        profile.SampleType.Add(new Proto.ValueType { Type = 3, Unit = 4 });
        profile.Mapping.Add(new Mapping { Id = 1, Filename = 8, HasFunctions = true });
        profile.Function.Add(new Function { Id = 1, Name = 5, Filename = 7, StartLine = 3 });
        profile.Function.Add(new Function { Id = 2, Name = 6, Filename = 7, StartLine = 10 });
        var location = new Location { Id = 1, MappingId = 1, Address = 0x401000 };
        location.Line.Add(new Line { FunctionId = 1, Line_ = 4 });
        location.Line.Add(new Line { FunctionId = 2, Line_ = 12 });
        profile.Location.Add(location);
        var sample = new Sample();
        sample.LocationId.Add(1);
        sample.Value.Add([2, 2048]);
        profile.Sample.Add(sample);

        StackReport read = PprofReportReader.Read(new MemoryStream(Gzip(profile.ToByteArray())));
        Assert.Equal([ReportValueType.AllocatedObjects, ReportValueType.AllocatedBytes], read.ValueTypes);
        Assert.Equal("pprof profile", read.Title);
        StackReportEntry entry = Assert.Single(read.Entries);
        Assert.Equal(["main.leaf", "main.caller"], entry.Frames.Select(f => f.Name));
        Assert.Equal([4, 12], entry.Frames.Select(f => f.Line));
        Assert.All(entry.Frames, f => Assert.Equal("/bin/app", f.Module));
        Assert.Null(read.StartTime);
    }

    public static TheoryData<string, byte[]> Corrupt() => new()
    {
        { "empty", [] },
        { "text", "{\"schema\": \"stackdepot.report/1\"}"u8.ToArray() },
        { "truncated gzip", Profiles.Write(PprofWriterTests.Threads())[..40] },
        { "gzip of garbage", Gzip([0xff, 0xff, 0xff, 0xff, 0x0f]) },
        { "string index out of range", Mutated(p => p.SampleType[0].Type = 999) },
        { "string 0 not empty", Mutated(p => p.StringTable[0] = "x") },
        { "unknown location", Mutated(p => p.Sample[0].LocationId[0] = 12345) },
        { "unknown function", Mutated(p => p.Location[0].Line[0].FunctionId = 999) },
        { "id 0", Mutated(p => p.Location[0].Id = 0) },
        { "wrong number of values", Mutated(p => p.Sample[0].Value.Add(1)) },
        { "no sample types", Mutated(p => p.SampleType.Clear()) },
    };

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void A_corrupt_or_foreign_file_is_an_InvalidDataException_that_says_so(string what, byte[] data)
    {
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => PprofReportReader.Read(new MemoryStream(data)));
        Assert.True(e.Message.StartsWith("not a ", StringComparison.Ordinal), $"{what}: {e.Message}");
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_first_bytes_tell_a_profile_from_json()
    {
        Assert.True(PprofReportReader.LooksLikeProfile(Profiles.Write(PprofWriterTests.Threads())));
        Assert.True(PprofReportReader.LooksLikeProfile(Profiles.Decode(Profiles.Write(PprofWriterTests.Threads())).ToByteArray()));
        Assert.False(PprofReportReader.LooksLikeProfile("{\n"u8));
        Assert.False(PprofReportReader.LooksLikeProfile([]));
    }

    private static byte[] Mutated(Action<Profile> change)
    {
        Profile profile = Profiles.Decode(Profiles.Write(PprofWriterTests.Threads()));
        change(profile);
        return Gzip(profile.ToByteArray());
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
