namespace StackDepot.Cli.Async;

/// <summary>
/// A pending task, a suspended async method (its state-machine box), or an awaited object that is not a task (a
/// ValueTask source such as a socket's event args), with the continuations that run when it completes.
/// </summary>
internal sealed class AsyncNode(ulong address, ulong frameId, bool isAsyncMethod)
{
    /// <summary>The object's address in the target.</summary>
    public ulong Address { get; } = address;

    /// <summary>The frame that stands for this node in a logical stack (<see cref="AsyncFrameTable"/>).</summary>
    public ulong FrameId { get; } = frameId;

    /// <summary>True for an async method (a state-machine box); chains without one are not reported.</summary>
    public bool IsAsyncMethod { get; } = isAsyncMethod;

    /// <summary>What runs when this node completes: its awaiters, outwards.</summary>
    public List<AsyncLink> Continuations { get; } = [];

    /// <summary>How many nodes this one awaits (links into it). A node that awaits nothing is the innermost of its chain.</summary>
    public int Awaited { get; internal set; }
}
