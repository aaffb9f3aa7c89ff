using StackDepot.Tracking;

namespace StackDepot.AspNetCore;

/// <summary>What <see cref="StackDepotEndpointRouteBuilderExtensions.MapStackDepotEndpoints"/> serves, and from what.</summary>
public sealed class StackDepotEndpointOptions
{
    /// <summary>The sampler behind <c>/debug/pprof/allocs</c>; null (the default) takes the
    /// <see cref="AllocationSampler"/> registered as a service, when a request comes.</summary>
    public AllocationSampler? Sampler { get; set; }

    /// <summary>The tracker behind <c>/debug/pprof/heap</c> and <c>/debug/stackdepot/leaks</c>; null (the default)
    /// takes the <see cref="LeakTracker"/> registered as a service, when a request comes.</summary>
    public LeakTracker? Tracker { get; set; }

    /// <summary>The path the endpoints are mapped under (default <c>/debug</c>, as Go's <c>net/http/pprof</c>).</summary>
    public string Prefix { get; set; } = "/debug";

    /// <summary>Name frames with their source file and line from the PDBs (default true; the PDBs are read once).</summary>
    public bool IncludeSourceInfo { get; set; } = true;
}
