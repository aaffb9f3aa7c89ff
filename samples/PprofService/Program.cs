using Microsoft.AspNetCore.Authentication;
using PprofService;
using StackDepot;
using StackDepot.AspNetCore;
using StackDepot.Tracking;

// A service that exposes its allocation sites and outstanding objects the way Go services do, behind authorization:
//   GET /debug/pprof/allocs, /debug/pprof/heap (pprof), /debug/stackdepot/leaks (text), user and password from
//   configuration (Diagnostics:User, Diagnostics:Password; for example --Diagnostics:Password=...).
// Workload: GET /orders?count=N, /connections/open, /connections/leak, /connections/close.
// Try: go tool pprof -top http://ops:PASSWORD@127.0.0.1:5000/debug/pprof/allocs
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout stays for the LISTENING line

builder.Services.AddSingleton(_ => new Depot(new DepotOptions { MaxFrames = 64, Name = "pprof-service" }));
builder.Services.AddSingleton(s => new AllocationSampler(s.GetRequiredService<Depot>(), new AllocationSamplerOptions { SamplingRate = 64 * 1024, Name = "requests" }));
builder.Services.AddSingleton(s => new LeakTracker(s.GetRequiredService<Depot>(), new LeakTrackerOptions { Name = "connections" }));
builder.Services.AddSingleton<Workload>();

// The profiles reveal the code's structure: only an authenticated operator may read them.
builder.Services.AddAuthentication(BasicAuthenticationHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy("diagnostics", policy => policy.RequireAuthenticatedUser().AddAuthenticationSchemes(BasicAuthenticationHandler.SchemeName));

WebApplication app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();

app.MapStackDepotEndpoints().RequireAuthorization("diagnostics");

app.MapGet("/orders", (Workload work, int? count) => Results.Text($"processed {count ?? 1} orders, {work.Process(count ?? 1)} bytes\n"));
app.MapGet("/connections/open", (Workload work) => Results.Text($"{work.Open()} open\n"));
app.MapGet("/connections/leak", (Workload work) =>
{
    work.Leak();
    return Results.Text("leaked one\n");
});
app.MapGet("/connections/close", (Workload work) => Results.Text($"closed {work.CloseAll()}\n"));

await app.StartAsync();
foreach (string url in app.Urls)
{
    Console.WriteLine("LISTENING " + url);
}

Console.Out.Flush();
await app.WaitForShutdownAsync();
