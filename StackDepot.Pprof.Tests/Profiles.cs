using System.IO.Compression;
using StackDepot.Pprof.Proto;
using StackDepot.Reporting;

namespace StackDepot.Pprof.Tests;

/// <summary>Writes reports as pprof and decodes the result with the generated message classes.</summary>
internal static class Profiles
{
    public static byte[] Write(StackReport report)
    {
        using var stream = new MemoryStream();
        StackReportWriter.Write(report, new PprofReportFormatter(), stream);
        return stream.ToArray();
    }

    /// <summary>Gunzips and parses; the bytes must be gzip'd, as pprof files are.</summary>
    public static Profile Decode(byte[] gzipped)
    {
        Assert.True(gzipped.Length > 2 && gzipped[0] == 0x1f && gzipped[1] == 0x8b, "not gzip'd");
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        return Profile.Parser.ParseFrom(gzip);
    }

    public static string S(this Profile profile, long index) => profile.StringTable[(int)index];

    public static string[] SampleTypes(this Profile profile) =>
        [.. profile.SampleType.Select(t => profile.S(t.Type) + "/" + profile.S(t.Unit))];

    /// <summary>Sum of each sample type over every sample.</summary>
    public static long[] Totals(this Profile profile)
    {
        var totals = new long[profile.SampleType.Count];
        foreach (Sample sample in profile.Sample)
        {
            for (int i = 0; i < totals.Length; i++)
            {
                totals[i] += sample.Value[i];
            }
        }

        return totals;
    }

    /// <summary>The function names of a sample, leaf first.</summary>
    public static string[] Stack(this Profile profile, Sample sample) =>
        [.. sample.LocationId.SelectMany(id => profile.Location.Single(l => l.Id == id).Line)
            .Select(line => profile.S(profile.Function.Single(f => f.Id == line.FunctionId).Name))];

    /// <summary>The string labels of a sample.</summary>
    public static Dictionary<string, string> Labels(this Profile profile, Sample sample) =>
        sample.Label.ToDictionary(l => profile.S(l.Key), l => profile.S(l.Str));

    /// <summary>Asserts what every profile must hold: string 0 empty, ids non-zero and unique, references that resolve,
    /// one value per sample type in every sample.</summary>
    public static void AssertWellFormed(Profile profile)
    {
        Assert.Equal(string.Empty, profile.StringTable[0]);
        AssertIds(profile.Mapping.Select(m => m.Id));
        AssertIds(profile.Location.Select(l => l.Id));
        AssertIds(profile.Function.Select(f => f.Id));
        var mappings = profile.Mapping.Select(m => m.Id).ToHashSet();
        var locations = profile.Location.Select(l => l.Id).ToHashSet();
        var functions = profile.Function.Select(f => f.Id).ToHashSet();
        Assert.All(profile.Location, l => Assert.True(l.MappingId == 0 || mappings.Contains(l.MappingId)));
        Assert.All(profile.Location.SelectMany(l => l.Line), line => Assert.Contains(line.FunctionId, functions));
        Assert.All(profile.Sample, s => Assert.Equal(profile.SampleType.Count, s.Value.Count));
        Assert.All(profile.Sample.SelectMany(s => s.LocationId), id => Assert.Contains(id, locations));
        int strings = profile.StringTable.Count;
        Assert.All(profile.Function, f => Assert.True(f.Name > 0 && f.Name < strings && f.Filename < strings));
        Assert.Equal(profile.StringTable.Count, profile.StringTable.Distinct().Count());
    }

    private static void AssertIds(IEnumerable<ulong> ids)
    {
        ulong[] all = [.. ids];
        Assert.DoesNotContain(0UL, all);
        Assert.Equal(all.Length, all.Distinct().Count());
    }
}
