namespace StackDepot.Cli.Async;

/// <summary>Receives each logical stack: frame ids innermost first (the span is reused after the call).</summary>
internal delegate void LogicalChainSink(ReadOnlySpan<ulong> frames, in LogicalChain chain);
