using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using StackDepot.Pprof;
using StackDepot.Reporting;
using StackDepot.Tracking;

namespace StackDepot.AspNetCore;

/// <summary>The request handlers of the endpoints (see <see cref="StackDepotEndpointRouteBuilderExtensions"/>).</summary>
internal sealed class StackDepotHandlers(StackDepotEndpointOptions options)
{
    private static readonly ReportFormatRegistry Formats = ReportFormatRegistry.CreateDefault().Add(new PprofReportFormatter());
    private static readonly IReportFormatter Pprof = Formats.Get("pprof");
    private static readonly IReportFormatter Text = Formats.Get("text");

    public Task IndexAsync(HttpContext context)
    {
        if (Query.Check(context, []) is { } error)
        {
            return error.ExecuteAsync(context);
        }

        string prefix = context.Request.PathBase + options.Prefix.TrimEnd('/');
        return Results.Text(
            $"Profiles (pprof, gzip'd profile.proto; add ?debug=1 for text):\n" +
            $"  {prefix}/pprof/allocs  allocation sites of the AllocationSampler: alloc_objects, alloc_space\n" +
            $"  {prefix}/pprof/heap    outstanding objects of the LeakTracker by creation stack: inuse_objects\n" +
            $"  {prefix}/stackdepot/leaks  leaked and outstanding objects by creation stack (text; ?format=json|pprof|...)\n",
            "text/plain; charset=utf-8").ExecuteAsync(context);
    }

    public Task AllocsAsync(HttpContext context)
    {
        if (ProfileQuery(context, out bool debug, out bool gc) is { } error)
        {
            return error.ExecuteAsync(context);
        }

        AllocationSampler? sampler = options.Sampler ?? context.RequestServices.GetService<AllocationSampler>();
        if (sampler is null)
        {
            return Plain(StatusCodes.Status404NotFound, "no AllocationSampler in this service: register one as a service or pass it to MapStackDepotEndpoints").ExecuteAsync(context);
        }

        CollectIf(gc);
        StackReport report = sampler.GetReport(new AllocationReportOptions { Top = 0, IncludeSourceInfo = options.IncludeSourceInfo });
        return WriteAsync(context, report, debug ? Text : Pprof, "allocs");
    }

    public Task HeapAsync(HttpContext context)
    {
        if (ProfileQuery(context, out bool debug, out bool gc) is { } error)
        {
            return error.ExecuteAsync(context);
        }

        if (Tracker(context) is not LeakTracker tracker)
        {
            return NoTracker().ExecuteAsync(context);
        }

        CollectIf(gc);
        StackReport report = tracker.GetReport(new LeakReportOptions { Include = LeakKinds.Outstanding, MaxStacks = 0, IncludeSourceInfo = options.IncludeSourceInfo });
        return WriteAsync(context, report, debug ? Text : Pprof, "heap");
    }

    public Task LeaksAsync(HttpContext context)
    {
        if (LeaksQuery(context, out IReportFormatter formatter, out LeakKinds include, out int top, out bool gc) is { } error)
        {
            return error.ExecuteAsync(context);
        }

        if (Tracker(context) is not LeakTracker tracker)
        {
            return NoTracker().ExecuteAsync(context);
        }

        CollectIf(gc);
        StackReport report = tracker.GetReport(new LeakReportOptions { Include = include, MaxStacks = top, IncludeSourceInfo = options.IncludeSourceInfo });
        return WriteAsync(context, report, formatter, "leaks");
    }

    public Task UnknownProfileAsync(HttpContext context, string name) =>
        Plain(StatusCodes.Status404NotFound, $"unknown profile '{name}': this service serves pprof/allocs, pprof/heap and stackdepot/leaks").ExecuteAsync(context);

    /// <summary>The query of the pprof paths: <c>debug</c> and <c>gc</c>, both 0 or 1.</summary>
    private static IResult? ProfileQuery(HttpContext context, out bool debug, out bool gc)
    {
        debug = gc = false;
        return Query.Check(context, ["debug", "gc"]) ?? Query.Flag(context, "debug", out debug) ?? Query.Flag(context, "gc", out gc);
    }

    /// <summary>The query of the leak report: <c>format</c>, <c>include</c>, <c>top</c>, <c>gc</c>.</summary>
    private static IResult? LeaksQuery(HttpContext context, out IReportFormatter formatter, out LeakKinds include, out int top, out bool gc)
    {
        formatter = Text;
        include = LeakKinds.All;
        top = new LeakReportOptions().MaxStacks;
        gc = false;
        if ((Query.Check(context, ["format", "include", "top", "gc"]) ?? Query.Flag(context, "gc", out gc)) is { } error)
        {
            return error;
        }

        string formatName = Query.Value(context, "format") ?? Text.Name;
        if (!Formats.TryGet(formatName, out IReportFormatter? found))
        {
            return Plain(StatusCodes.Status400BadRequest, $"format must be one of {string.Join(", ", Formats.Names)}, not '{formatName}'");
        }

        formatter = found;
        switch (Query.Value(context, "include"))
        {
            case null or "all":
                break;
            case "leaked":
                include = LeakKinds.Leaked;
                break;
            case "outstanding":
                include = LeakKinds.Outstanding;
                break;
            case string other:
                return Plain(StatusCodes.Status400BadRequest, $"include must be leaked, outstanding or all, not '{other}'");
        }

        if (Query.Value(context, "top") is string topText && !int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top))
        {
            return Plain(StatusCodes.Status400BadRequest, $"top must be a whole number, 0 or more (0 for all), not '{topText}'");
        }

        return null;
    }

    private LeakTracker? Tracker(HttpContext context) => options.Tracker ?? context.RequestServices.GetService<LeakTracker>();

    private static IResult NoTracker() =>
        Plain(StatusCodes.Status404NotFound, "no LeakTracker in this service: register one as a service or pass it to MapStackDepotEndpoints");

    /// <summary>Collects garbage and runs finalizers, so that tracked objects that died unreleased count as leaked.</summary>
    private static void CollectIf(bool gc)
    {
        if (gc)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
    }

    private static async Task WriteAsync(HttpContext context, StackReport report, IReportFormatter formatter, string name)
    {
        using var buffer = new MemoryStream();
        StackReportWriter.Write(report, formatter, buffer);
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.CacheControl = "no-store";
        if (formatter.IsBinary)
        {
            // As Go's net/http/pprof: a download named after the profile.
            response.ContentType = "application/octet-stream";
            response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        }
        else
        {
            response.ContentType = formatter.Name is "json" or "speedscope" ? "application/json; charset=utf-8" : "text/plain; charset=utf-8";
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static IResult Plain(int status, string message) => Results.Text(message + "\n", "text/plain; charset=utf-8", statusCode: status);

    /// <summary>Checks of the query string: only known parameters, each at most once, with valid values.</summary>
    private static class Query
    {
        public static IResult? Check(HttpContext context, string[] known)
        {
            foreach (KeyValuePair<string, StringValues> parameter in context.Request.Query)
            {
                if (!known.Contains(parameter.Key, StringComparer.Ordinal))
                {
                    return Plain(StatusCodes.Status400BadRequest, known.Length == 0
                        ? $"unknown query parameter '{parameter.Key}' (this path takes none)"
                        : $"unknown query parameter '{parameter.Key}' (known: {string.Join(", ", known)})");
                }

                if (parameter.Value.Count > 1)
                {
                    return Plain(StatusCodes.Status400BadRequest, $"query parameter '{parameter.Key}' is given {parameter.Value.Count} times");
                }
            }

            return null;
        }

        public static string? Value(HttpContext context, string key) =>
            context.Request.Query.TryGetValue(key, out StringValues value) ? value.ToString() : null;

        /// <summary>A 0/1 parameter (absent: false); an error for any other value.</summary>
        public static IResult? Flag(HttpContext context, string key, out bool value)
        {
            string? text = Value(context, key);
            value = text == "1";
            return text is null or "0" or "1" ? null : Plain(StatusCodes.Status400BadRequest, $"{key} must be 0 or 1, not '{text}'");
        }
    }
}
