// The corpus web app: ASP.NET Core with an async endpoint that blocks inside the request, so that sampled threads
// stand in Kestrel's async state machines. Built and run by generate.sh; not part of the test build.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => "Hello World!");
app.MapGet("/spin", () => { var clock = System.Diagnostics.Stopwatch.StartNew(); long n = 0; while (clock.ElapsedMilliseconds < 20) { n++; } return n.ToString(); });
app.MapGet("/slow", async () => { await Task.Delay(5); Thread.Sleep(30); return "slow"; });
app.Run(args.Length > 0 ? args[0] : "http://127.0.0.1:5077");
