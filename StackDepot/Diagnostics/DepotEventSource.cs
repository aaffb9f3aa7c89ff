using System.Diagnostics.Tracing;

namespace StackDepot.Diagnostics;

/// <summary>
/// Warnings the depot raises without a logging dependency. Listen with an <see cref="EventListener"/>,
/// <c>dotnet-trace</c> (provider <c>StackDepot</c>) or any EventPipe consumer.
/// </summary>
[EventSource(Name = "StackDepot")]
public sealed class DepotEventSource : EventSource
{
    /// <summary>The single instance.</summary>
    public static readonly DepotEventSource Log = new();

    private DepotEventSource()
    {
    }

    /// <summary>A depot reached its capacity; further saves that need space return none until records are
    /// freed. Written once per depot.</summary>
    /// <param name="depot">The depot's name.</param>
    /// <param name="capacityBytes">Its configured capacity.</param>
    [Event(1, Level = EventLevel.Warning, Message = "StackDepot '{0}' reached its capacity of {1} bytes; saves that need space now return none and are counted as drops")]
    public void CapacityReached(string depot, long capacityBytes) => WriteEvent(1, depot, capacityBytes);

    /// <summary>A put was refused: unbalanced, stale, or on a persistent record never handed out with Get.</summary>
    /// <param name="depot">The depot's name.</param>
    /// <param name="handle">The handle's raw value.</param>
    /// <param name="reason">Why it was refused.</param>
    [Event(2, Level = EventLevel.Warning, Message = "StackDepot '{0}' refused a put of handle {1}: {2}")]
    public void PutRefused(string depot, long handle, string reason) => WriteEvent(2, depot, handle, reason);
}
