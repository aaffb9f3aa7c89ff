using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using StackDepot.Pprof.Proto;
using StackDepot.Pprof.Tests;

namespace StackDepot.AspNetCore.Tests;

/// <summary>
/// samples/PprofService started as a process on a loopback port: its endpoints need the operator's credentials,
/// and the profiles they serve name the workload's allocation sites and outstanding objects.
/// </summary>
public sealed class SampleServiceTests : IAsyncLifetime
{
    private const string Password = "test-password";
    private Process? _service;
    private HttpClient _client = null!;
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        string dll = SampleDll();
        Assert.True(File.Exists(dll), "sample not built: " + dll);
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { dll, "--urls", "http://127.0.0.1:0", "--Diagnostics:User=ops", "--Diagnostics:Password=" + Password })
        {
            info.ArgumentList.Add(arg);
        }

        _service = Process.Start(info)!;
        _service.ErrorDataReceived += (_, _) => { };
        _service.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line;
        while ((line = await _service.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
        }

        Assert.True(line is not null, "the sample service exited before listening");
        _url = new Uri(line["LISTENING ".Length..]);
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(_url.Host)), _url.ToString());
        _client = new HttpClient { BaseAddress = _url };
    }

    public Task DisposeAsync()
    {
        _client?.Dispose();
        if (_service is { HasExited: false })
        {
            _service.Kill(entireProcessTree: true);
            _service.WaitForExit(10_000);
        }

        _service?.Dispose();
        return Task.CompletedTask;
    }

    private static string SampleDll()
    {
        // .../StackDepot.AspNetCore.Tests/bin/<Configuration>/<tfm>/ -> .../samples/PprofService/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string root = output.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, "samples", "PprofService", "bin", output.Parent.Name, output.Name, "PprofService.dll");
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    private async Task<HttpResponseMessage> GetAsync(string path, AuthenticationHeaderValue? auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = auth;
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task The_endpoints_need_the_operators_credentials()
    {
        foreach (string path in new[] { "/debug/pprof/allocs", "/debug/pprof/heap", "/debug/stackdepot/leaks", "/debug/pprof/unknown" })
        {
            using HttpResponseMessage anonymous = await GetAsync(path, null);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            using HttpResponseMessage wrong = await GetAsync(path, Basic("ops", "guess"));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using HttpResponseMessage right = await GetAsync("/debug/pprof/heap", Basic("ops", Password));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task The_served_profiles_name_the_workloads_sites()
    {
        Assert.StartsWith("processed 100 orders", await _client.GetStringAsync("/orders?count=100"), StringComparison.Ordinal);
        for (int i = 0; i < 3; i++)
        {
            await _client.GetStringAsync("/connections/open");
        }

        using HttpResponseMessage allocs = await GetAsync("/debug/pprof/allocs", Basic("ops", Password));
        Profile profile = TestApp.Decode(await allocs.Content.ReadAsByteArrayAsync());
        string S(long i) => profile.StringTable[(int)i];
        string Leaf(Sample s) => S(profile.Function.Single(f => f.Id == profile.Location.Single(l => l.Id == s.LocationId[0]).Line[0].FunctionId).Name);

        // 100 x 64 KiB invoices against 100 x 4 KiB messages: the renderer leads by bytes (sampled, so roughly 16:1).
        Sample[] byBytes = [.. profile.Sample.OrderByDescending(s => s.Value[1])];
        Assert.Equal("PprofService.Workload.InvoiceRenderer.Render(AllocationSampler)", Leaf(byBytes[0]));
        long total = profile.Sample.Sum(s => s.Value[1]);
        Assert.InRange(total, 100 * 68 * 1024 / 2, 100 * 68 * 1024 * 2);

        using HttpResponseMessage heap = await GetAsync("/debug/pprof/heap", Basic("ops", Password));
        Profile live = TestApp.Decode(await heap.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, live.Sample.Sum(s => s.Value[0]));
    }

    [GoFact]
    public async Task Go_tool_pprof_pulls_the_profile_over_http_with_basic_auth()
    {
        await _client.GetStringAsync("/orders?count=50");
        string top = GoPprof.Run("-top", "-sample_index=alloc_space", $"http://ops:{Password}@{_url.Authority}/debug/pprof/allocs");
        Assert.Contains("Type: alloc_space", top, StringComparison.Ordinal);
        Assert.Equal("PprofService.Workload.InvoiceRenderer.Render(AllocationSampler)", GoPprof.TopRows(top)[0].Name);
    }
}
