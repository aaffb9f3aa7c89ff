using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using StackDepot.AspNetCore;
using StackDepot.Pprof.Proto;

namespace StackDepot.AspNetCore.Tests;

/// <summary>A minimal application with the endpoints mapped, listening on a loopback port chosen by the system.</summary>
internal sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApp(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<TestApp> StartAsync(StackDepotEndpointOptions? options, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        app.MapStackDepotEndpoints(options);
        await app.StartAsync();
        return new TestApp(app, new HttpClient { BaseAddress = new Uri(app.Urls.Single()) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Gunzips and parses a profile fetched over HTTP.</summary>
    public static Profile Decode(byte[] body)
    {
        Assert.True(body.Length > 2 && body[0] == 0x1f && body[1] == 0x8b, "the body is not gzip'd");
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        return Profile.Parser.ParseFrom(gzip);
    }
}
