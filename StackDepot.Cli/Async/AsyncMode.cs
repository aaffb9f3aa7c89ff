namespace StackDepot.Cli.Async;

/// <summary>What <c>stacks --async</c> shows.</summary>
internal enum AsyncMode
{
    /// <summary>Thread stacks only (no <c>--async</c>).</summary>
    Off,

    /// <summary>Logical stacks only (<c>--async</c>, <c>--async only</c>).</summary>
    Only,

    /// <summary>Thread stacks and logical stacks, sync-over-async threads joined to the task they wait on
    /// (<c>--async both</c>).</summary>
    Both,
}
