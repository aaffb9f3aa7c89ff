// A small catalog service handles a stream of requests on two worker threads. Every buffer it allocates goes through
// Alloc.Bytes, which reports the size to an AllocationSampler (one sample per 512 KiB on average, the default) and
// also counts the true bytes per call site, so that the sampler's estimates can be checked against the truth.
//
//   dotnet run --project samples/AllocationSites -c Release [-- --rate BYTES] [--requests N]

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using StackDepot;
using StackDepot.Capture;
using StackDepot.Reporting;
using StackDepot.Tracking;

long rate = AllocationSamplerOptions.DefaultSamplingRate;
int requests = 200_000;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--rate": rate = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--requests": requests = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
    }
}

using var depot = new Depot(new DepotOptions { Name = "allocation-sites" });
using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = rate, Name = "catalog" });
Alloc.Sampler = sampler;

var service = new CatalogService();
var clock = Stopwatch.StartNew();
int served = 0;
TimeSpan budget = TimeSpan.FromSeconds(4); // stop early on a slow machine; the comparison stays valid
// Both threads start from one delegate, so a site reached from either thread has one stack.
var serve = new ParameterizedThreadStart(seed => Serve((int)seed!));
Thread[] workers = [new Thread(serve), new Thread(serve)];
for (int i = 0; i < workers.Length; i++)
{
    workers[i].Start(1001 + i);
}

foreach (Thread worker in workers)
{
    worker.Join();
}

served = Math.Min(served, requests);
clock.Stop();

Console.WriteLine($"Served {served:N0} requests on 2 threads in {clock.Elapsed.TotalSeconds:F1} s; " +
                  $"{Alloc.TrueTotal / (1024.0 * 1024):N1} MiB allocated through the instrumented sites.");
Console.WriteLine();

StackReport report = sampler.GetReport(new AllocationReportOptions { Top = 3, IncludeSourceInfo = true });
StackReportWriter.Write(report, ReportFormat.Text, Console.Out);

// Estimates per allocating method (the first frame of each site; one method may be reached from several stacks).
var estimated = new Dictionary<string, (double Bytes, long Samples)>();
foreach (AllocationSite site in sampler.GetProfile().Sites)
{
    string method = site.Stack.IsNone ? "(stack not stored)" : Symbolizer.Shared.Symbolize(depot.Fetch(site.Stack)[0]).Method;
    (double bytes, long samples) = estimated.GetValueOrDefault(method);
    estimated[method] = (bytes + site.EstimatedBytes, samples + site.Samples);
}

Console.WriteLine();
Console.WriteLine("Estimated against true bytes, per allocating method (expected error: about 1/sqrt(samples)):");
Console.WriteLine($"  {"method",-40} {"true",12} {"estimated",12} {"error",8} {"samples",8} {"1/sqrt",7}");
foreach ((string member, long trueBytes) in Alloc.TrueBytesBySite.OrderByDescending(p => p.Value))
{
    string? method = estimated.Keys.FirstOrDefault(m => m.Contains("." + member + "(", StringComparison.Ordinal));
    (double guess, long samples) = method is null ? default : estimated[method];
    string name = method ?? member + " (no sample)";
    Console.WriteLine($"  {Shorten(name, 40),-40} {Mib(trueBytes),12} {Mib(guess),12} {(guess - trueBytes) / trueBytes,8:+0.0%;-0.0%} {samples,8:N0} {(samples > 0 ? 1 / Math.Sqrt(samples) : 1),7:0.0%}");
}

AllocationProfile profile = sampler.GetProfile();
Console.WriteLine($"  {"all sites",-40} {Mib(Alloc.TrueTotal),12} {Mib(profile.EstimatedBytes),12} {(profile.EstimatedBytes - Alloc.TrueTotal) / Alloc.TrueTotal,8:+0.0%;-0.0%} {profile.Samples,8:N0} {1 / Math.Sqrt(Math.Max(1, profile.Samples)),7:0.0%}");
return 0;

// One worker thread: takes requests until the count or the time budget is reached.
void Serve(int seed)
{
    var random = new Random(seed);
    while (clock.Elapsed < budget && Interlocked.Increment(ref served) <= requests) // atomic: pairs with the same increment on the other worker (each request taken once); read after Join
    {
        service.Handle(Request.Next(random));
    }
}

static string Mib(double bytes) => (bytes / (1024 * 1024)).ToString("N1", CultureInfo.InvariantCulture) + " MiB";

static string Shorten(string text, int width) => text.Length <= width ? text : "..." + text[^(width - 3)..];

/// <summary>The one allocation helper: allocates, reports the size to the sampler, counts the truth per caller.</summary>
internal static class Alloc
{
    public static AllocationSampler? Sampler { get; set; }

    public static ConcurrentDictionary<string, long> TrueBytesBySite { get; } = new();

    public static long TrueTotal => TrueBytesBySite.Values.Sum();

    // [StackTraceHidden]: the sampler leaves this frame out, so each site is the method that asked for the buffer.
    [StackTraceHidden]
    public static byte[] Bytes(int size, [CallerMemberName] string site = "")
    {
        var buffer = new byte[size];
        Sampler?.Record(size);
        TrueBytesBySite.AddOrUpdate(site, size, (_, total) => total + size);
        return buffer;
    }
}

internal enum RequestKind { ProductLookup, PlaceOrder, RenderReport }

internal readonly record struct Request(RequestKind Kind, int ProductId, int BodyBytes, int Lines)
{
    public static Request Next(Random random)
    {
        int roll = random.Next(100);
        return roll switch
        {
            < 70 => new Request(RequestKind.ProductLookup, random.Next(5_000), 0, 0),
            < 98 => new Request(RequestKind.PlaceOrder, 0, random.Next(512, 8_192), random.Next(1, 12)),
            _ => new Request(RequestKind.RenderReport, 0, 0, 0),
        };
    }
}

internal sealed class CatalogService
{
    private readonly ProductCache _products = new();
    private readonly OrderParser _orders = new();
    private readonly ReportRenderer _reports = new();

    [MethodImpl(MethodImplOptions.NoInlining)]
    public int Handle(Request request) => request.Kind switch
    {
        RequestKind.ProductLookup => _products.Lookup(request.ProductId).Length,
        RequestKind.PlaceOrder => _orders.Parse(request.BodyBytes, request.Lines),
        _ => _reports.Render().Length,
    };
}

internal sealed class ProductCache
{
    private readonly ConcurrentDictionary<int, byte[]> _cache = new();
    private int _lookups;

    public byte[] Lookup(int id)
    {
        // Entries expire: every 4096 lookups the cache is cleared, so loads keep happening.
        if (Interlocked.Increment(ref _lookups) % 4096 == 0) // atomic: pairs with the same increment on the other worker; one clear per 4096 lookups
        {
            _cache.Clear();
        }

        return _cache.TryGetValue(id, out byte[]? product) ? product : _cache.GetOrAdd(id, LoadProduct);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] LoadProduct(int id)
    {
        byte[] record = Alloc.Bytes(2_048);
        record[0] = (byte)id;
        return record;
    }
}

internal sealed class OrderParser
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int Parse(int bodyBytes, int lines)
    {
        byte[] body = ReadBody(bodyBytes);
        int total = body.Length;
        for (int i = 0; i < lines; i++)
        {
            total += ParseLine(i).Length;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] ReadBody(int bytes)
    {
        byte[] body = Alloc.Bytes(bytes);
        body[^1] = 1;
        return body;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] ParseLine(int index)
    {
        byte[] line = Alloc.Bytes(48);
        line[0] = (byte)index;
        return line;
    }
}

internal sealed class ReportRenderer
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public byte[] Render()
    {
        byte[] page = Alloc.Bytes(64 * 1024);
        page[0] = 1;
        return page;
    }
}
