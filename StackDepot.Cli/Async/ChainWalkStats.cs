namespace StackDepot.Cli.Async;

/// <summary>What a <see cref="LogicalChainWalker"/> walk found.</summary>
internal sealed class ChainWalkStats
{
    /// <summary>Chains handed to the sink.</summary>
    public long Chains { get; internal set; }

    /// <summary>Innermost nodes (nodes that await nothing) the walk started from.</summary>
    public int Leaves { get; internal set; }

    /// <summary>Chains that ended in a cycle.</summary>
    public int Cycles { get; internal set; }

    /// <summary>Chains that ended at an unreadable link.</summary>
    public int Broken { get; internal set; }

    /// <summary>Chains cut at the frame limit.</summary>
    public int Truncated { get; internal set; }

    /// <summary>True when the chain budget stopped the walk before every chain was handed out.</summary>
    public bool Cut { get; internal set; }
}
