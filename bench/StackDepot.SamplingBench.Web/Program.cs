// The 'dotnet new web' template, plus the address it listens on as its first line (for the benchmark to find it).
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => "Hello World!");
await app.StartAsync();
Console.WriteLine("LISTENING " + app.Urls.First());
await app.WaitForShutdownAsync();
