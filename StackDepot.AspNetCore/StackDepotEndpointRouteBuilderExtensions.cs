using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace StackDepot.AspNetCore;

/// <summary>
/// Maps <c>/debug/pprof/allocs</c>, <c>/debug/pprof/heap</c> and <c>/debug/stackdepot/leaks</c>: the paths Go services
/// expose, so that <c>go tool pprof http://host/debug/pprof/heap</c>, Parca and Pyroscope pull the profiles with no agent.
/// </summary>
/// <remarks>
/// <para>
/// Nothing is served unless this is called. The profiles reveal the code's structure (namespaces, types, methods and,
/// with PDBs, source files and lines): protect them as any administrative endpoint, for example with
/// <c>app.MapStackDepotEndpoints().RequireAuthorization("diagnostics")</c>, or map them on an internal port only
/// (<c>.RequireHost("*:9091")</c>).
/// </para>
/// <para>
/// <c>GET {prefix}/pprof/allocs</c>: the <see cref="Tracking.AllocationSampler"/>'s allocation sites as a pprof heap
/// profile (<c>alloc_objects/count</c>, <c>alloc_space/bytes</c>, estimates; period: the sampling rate).
/// <c>GET {prefix}/pprof/heap</c>: the <see cref="Tracking.LeakTracker"/>'s outstanding objects by creation stack
/// (<c>inuse_objects/count</c>). Both take <c>debug=1</c> (the text report instead) and <c>gc=1</c> (collect garbage
/// and run finalizers first, so that leaked objects are counted). <c>GET {prefix}/stackdepot/leaks</c>: the leak
/// report (leaked and outstanding objects by creation stack) as text; <c>format=</c> any report format (json, pprof,
/// folded...), <c>include=leaked|outstanding|all</c>, <c>top=N</c> (0 for all), <c>gc=1</c>. <c>GET {prefix}/pprof/</c>
/// lists the profiles. An unknown path, query parameter or value is answered 400 or 404 with one plain line.
/// </para>
/// </remarks>
public static class StackDepotEndpointRouteBuilderExtensions
{
    /// <summary>Maps the endpoints under <see cref="StackDepotEndpointOptions.Prefix"/>.</summary>
    /// <param name="endpoints">The application (or any route builder).</param>
    /// <param name="options">Where the data comes from; null for the services registered in the application.</param>
    /// <returns>The group holding every endpoint, to add conventions to all of them at once
    /// (<c>.RequireAuthorization(...)</c>, <c>.RequireHost(...)</c>, rate limiting...).</returns>
    public static RouteGroupBuilder MapStackDepotEndpoints(this IEndpointRouteBuilder endpoints, StackDepotEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        options ??= new StackDepotEndpointOptions();
        var handlers = new StackDepotHandlers(options);
        RouteGroupBuilder group = endpoints.MapGroup(options.Prefix);
        group.MapGet("pprof", handlers.IndexAsync).WithName("stackdepot-pprof-index");
        group.MapGet("pprof/allocs", handlers.AllocsAsync).WithName("stackdepot-pprof-allocs");
        group.MapGet("pprof/heap", handlers.HeapAsync).WithName("stackdepot-pprof-heap");
        group.MapGet("pprof/{**name}", handlers.UnknownProfileAsync);
        group.MapGet("stackdepot/leaks", handlers.LeaksAsync).WithName("stackdepot-leaks");
        group.MapGet("stackdepot/{**name}", handlers.UnknownProfileAsync);
        return group;
    }
}
