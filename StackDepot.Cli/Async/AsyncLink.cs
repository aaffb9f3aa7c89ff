namespace StackDepot.Cli.Async;

/// <summary>One continuation of a node: the awaiting node, a blocked thread's wait event, a callback, or a broken link.</summary>
/// <param name="Kind">What the continuation is.</param>
/// <param name="Address">The awaiting node's address (<see cref="AsyncLinkKind.Node"/>), the wait event's address
/// (<see cref="AsyncLinkKind.BlockingWait"/>), or the unreadable object's address (<see cref="AsyncLinkKind.Broken"/>).</param>
/// <param name="FrameId">For <see cref="AsyncLinkKind.Callback"/>: the frame that names the callback.</param>
internal readonly record struct AsyncLink(AsyncLinkKind Kind, ulong Address, ulong FrameId = 0);
