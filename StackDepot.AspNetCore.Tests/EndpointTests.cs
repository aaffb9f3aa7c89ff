using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StackDepot.Pprof.Proto;
using StackDepot.Reporting;
using StackDepot.Tracking;

namespace StackDepot.AspNetCore.Tests;

/// <summary>The endpoints of a minimal application with known data, fetched over HTTP on a loopback port.</summary>
public sealed class EndpointTests : IAsyncLifetime
{
    private readonly Depot _depot = new(new DepotOptions { MaxFrames = 64 });
    private AllocationSampler _sampler = null!;
    private LeakTracker _tracker = null!;
    private TestApp _app = null!;
    private readonly List<object> _open = [];

    public async Task InitializeAsync()
    {
        // Rate 1: every recorded allocation is sampled with weight ~1, so the estimates are the exact figures.
        _sampler = new AllocationSampler(_depot, new AllocationSamplerOptions { SamplingRate = 1, Name = "endpoint-test" });
        _tracker = new LeakTracker(_depot, new LeakTrackerOptions { Name = "endpoint-test" });
        for (int i = 0; i < 30; i++)
        {
            AllocateBuffer(_sampler);
        }

        for (int i = 0; i < 4; i++)
        {
            _open.Add(OpenResource(_tracker));
        }

        _tracker.Release(_open[0]);
        _app = await TestApp.StartAsync(new StackDepotEndpointOptions { Sampler = _sampler, Tracker = _tracker });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _sampler.Dispose();
        _tracker.Dispose();
        _depot.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AllocateBuffer(AllocationSampler sampler) => sampler.Record(2048);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static object OpenResource(LeakTracker tracker)
    {
        var resource = new object();
        tracker.Track(resource);
        return resource;
    }

    private static string S(Profile p, long i) => p.StringTable[(int)i];

    private static string[] Stack(Profile p, Sample s) =>
        [.. s.LocationId.Select(id => S(p, p.Function.Single(f => f.Id == p.Location.Single(l => l.Id == id).Line[0].FunctionId).Name))];

    [Fact]
    public async Task Allocs_is_a_pprof_heap_profile_of_the_samplers_sites()
    {
        using HttpResponseMessage response = await _app.Client.GetAsync("/debug/pprof/allocs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("allocs", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));

        Profile profile = TestApp.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(string.Empty, profile.StringTable[0]);
        Assert.Equal(["alloc_objects/count", "alloc_space/bytes"], profile.SampleType.Select(t => S(profile, t.Type) + "/" + S(profile, t.Unit)));
        Sample site = Assert.Single(profile.Sample);
        Assert.Equal([30L, 30 * 2048], site.Value);
        Assert.Contains(Stack(profile, site), f => f.Contains(nameof(AllocateBuffer), StringComparison.Ordinal));
        Assert.Equal("alloc_space", S(profile, profile.DefaultSampleType));

        // With PDBs (the test assembly has one), functions carry their source file.
        Function allocate = profile.Function.Single(f => S(profile, f.Name).Contains(nameof(AllocateBuffer), StringComparison.Ordinal));
        Assert.EndsWith("EndpointTests.cs", S(profile, allocate.Filename), StringComparison.Ordinal);
        string[] source = File.ReadAllLines(S(profile, allocate.Filename));
        Assert.Contains("private static void AllocateBuffer(", source[allocate.StartLine - 1], StringComparison.Ordinal); // its first line
    }

    [Fact]
    public async Task Heap_counts_the_outstanding_objects_by_creation_stack()
    {
        Profile profile = TestApp.Decode(await _app.Client.GetByteArrayAsync("/debug/pprof/heap"));
        Assert.Equal(["inuse_objects/count"], profile.SampleType.Select(t => S(profile, t.Type) + "/" + S(profile, t.Unit)));
        Sample site = Assert.Single(profile.Sample);
        Assert.Equal(3, site.Value[0]); // four opened, one released
        Assert.Contains(Stack(profile, site), f => f.Contains(nameof(OpenResource), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Debug_1_gives_the_text_report_and_leaks_takes_any_report_format()
    {
        using HttpResponseMessage text = await _app.Client.GetAsync("/debug/pprof/heap?debug=1");
        Assert.Equal("text/plain", text.Content.Headers.ContentType!.MediaType);
        Assert.Contains("3 outstanding objects (of 4 tracked) created at:", await text.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        string leaks = await _app.Client.GetStringAsync("/debug/stackdepot/leaks");
        Assert.StartsWith("Leak report (tracker endpoint-test): 3 leaked or outstanding objects of 4 tracked", leaks, StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse(await _app.Client.GetStringAsync("/debug/stackdepot/leaks?format=json&include=outstanding&top=0"));
        Assert.Equal(StackReportWriter.JsonSchemaId, json.RootElement.GetProperty("schema").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("totals")[0].GetInt64());

        Profile profile = TestApp.Decode(await _app.Client.GetByteArrayAsync("/debug/stackdepot/leaks?format=pprof"));
        Assert.Equal(3, profile.Sample.Sum(s => s.Value[0]));
    }

    [Fact]
    public async Task The_index_lists_the_profiles()
    {
        string index = await _app.Client.GetStringAsync("/debug/pprof/");
        Assert.Contains("/debug/pprof/allocs", index, StringComparison.Ordinal);
        Assert.Contains("/debug/pprof/heap", index, StringComparison.Ordinal);
        Assert.Contains("/debug/stackdepot/leaks", index, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/debug/pprof/goroutine", 404, "unknown profile 'goroutine'")]
    [InlineData("/debug/pprof/profile?seconds=30", 404, "unknown profile 'profile'")]
    [InlineData("/debug/stackdepot/nothing", 404, "unknown profile 'nothing'")]
    [InlineData("/debug/pprof/heap?seconds=30", 400, "unknown query parameter 'seconds' (known: debug, gc)")]
    [InlineData("/debug/pprof/allocs?debug=yes", 400, "debug must be 0 or 1, not 'yes'")]
    [InlineData("/debug/pprof/allocs?gc=2", 400, "gc must be 0 or 1, not '2'")]
    [InlineData("/debug/pprof/heap?debug=1&debug=0", 400, "query parameter 'debug' is given 2 times")]
    [InlineData("/debug/stackdepot/leaks?format=xml", 400, "format must be one of text, tree, folded, speedscope, json, pprof, not 'xml'")]
    [InlineData("/debug/stackdepot/leaks?top=-1", 400, "top must be a whole number, 0 or more (0 for all), not '-1'")]
    [InlineData("/debug/stackdepot/leaks?include=some", 400, "include must be leaked, outstanding or all, not 'some'")]
    [InlineData("/debug/pprof/?x=1", 400, "unknown query parameter 'x' (this path takes none)")]
    public async Task Bad_input_is_answered_with_a_4xx_and_one_plain_line(string path, int status, string message)
    {
        using HttpResponseMessage response = await _app.Client.GetAsync(path);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        string body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith(message, body, StringComparison.Ordinal);
        Assert.EndsWith("\n", body, StringComparison.Ordinal);
        Assert.Equal(1, body.Count(c => c == '\n')); // one line
    }

    [Fact]
    public async Task Nothing_is_served_unless_mapped_and_a_missing_sampler_is_a_plain_404()
    {
        await using TestApp services = await TestApp.StartAsync(null, b => b.Services.AddSingleton(_tracker));

        // The tracker comes from the services; no sampler is registered.
        Profile heap = TestApp.Decode(await services.Client.GetByteArrayAsync("/debug/pprof/heap"));
        Assert.Equal(3, heap.Sample.Sum(s => s.Value[0]));
        using HttpResponseMessage allocs = await services.Client.GetAsync("/debug/pprof/allocs");
        Assert.Equal(HttpStatusCode.NotFound, allocs.StatusCode);
        Assert.StartsWith("no AllocationSampler in this service", await allocs.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // An application that does not map the endpoints does not answer them.
        Microsoft.AspNetCore.Builder.WebApplicationBuilder builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        Microsoft.AspNetCore.Hosting.HostingAbstractionsWebHostBuilderExtensions.UseUrls(builder.WebHost, "http://127.0.0.1:0");
        await using Microsoft.AspNetCore.Builder.WebApplication bare = builder.Build();
        await bare.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(bare.Urls.Single()) };
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/debug/pprof/heap")).StatusCode);
        await bare.StopAsync();
    }
}
