namespace StackDepot.Cli.Sampling;

/// <summary>Raised when a snapshot takes longer than its budget; the snapshot is discarded.</summary>
internal sealed class SampleTimeoutException(TimeSpan budget) : Exception($"the sample took longer than {budget.TotalMilliseconds:0} ms");
