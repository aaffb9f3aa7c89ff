namespace StackDepot.Cli.Async;

/// <summary>Facts about one logical stack handed to a <see cref="LogicalChainSink"/> with its frames.</summary>
/// <param name="End">Why the chain ends there.</param>
/// <param name="Outermost">The address of the outermost node on the chain (the task a blocked thread waits on).</param>
/// <param name="WaitEvent">For <see cref="ChainEnd.BlockingWait"/>: the address of the blocked thread's wait event.</param>
/// <param name="AsyncMethods">How many of the chain's nodes are async methods.</param>
internal readonly record struct LogicalChain(ChainEnd End, ulong Outermost, ulong WaitEvent, int AsyncMethods);

