namespace StackDepot.Cli.Async;

/// <summary>The pending async work of a process: nodes by address, linked from each awaited node to its awaiters.</summary>
internal sealed class AsyncGraph
{
    private readonly Dictionary<ulong, AsyncNode> _nodes = [];
    private readonly HashSet<(ulong From, AsyncLink Link)> _links = [];

    public IReadOnlyDictionary<ulong, AsyncNode> Nodes => _nodes;

    /// <summary>Adds a node; an address already present keeps its first node.</summary>
    public AsyncNode Add(ulong address, ulong frameId, bool isAsyncMethod)
    {
        if (!_nodes.TryGetValue(address, out AsyncNode? node))
        {
            node = new AsyncNode(address, frameId, isAsyncMethod);
            _nodes.Add(address, node);
        }

        return node;
    }

    public bool TryGet(ulong address, out AsyncNode node) => _nodes.TryGetValue(address, out node!);

    /// <summary>Records that <paramref name="awaiter"/> continues <paramref name="awaited"/> (once per pair).</summary>
    public void Link(AsyncNode awaited, AsyncNode awaiter)
    {
        var link = new AsyncLink(AsyncLinkKind.Node, awaiter.Address);
        if (_links.Add((awaited.Address, link)))
        {
            awaited.Continuations.Add(link);
            awaiter.Awaited++;
        }
    }

    /// <summary>Adds a continuation that is not a node (a blocking wait, a callback, a broken link), once per pair.</summary>
    public void AddEnd(AsyncNode node, AsyncLink end)
    {
        if (end.Kind == AsyncLinkKind.Node)
        {
            throw new ArgumentException("Use Link for node continuations.", nameof(end));
        }

        if (_links.Add((node.Address, end)))
        {
            node.Continuations.Add(end);
        }
    }
}
