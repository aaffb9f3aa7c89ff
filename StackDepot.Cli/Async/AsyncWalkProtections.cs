namespace StackDepot.Cli.Async;

/// <summary>
/// The guards of the logical-stack walk against a damaged or hostile heap, each of which a test can switch off
/// (internal, test-only) to show that the test guarding it detects the failure.
/// </summary>
[Flags]
internal enum AsyncWalkProtections
{
    /// <summary>No guard named.</summary>
    None = 0,

    /// <summary>A chain that reaches a node already on it ends there with the cycle marker.</summary>
    CycleCheck = 1,

    /// <summary>A walk hands out at most its budget of chains (fan-out and fan-in can multiply them without bound).</summary>
    ChainBudget = 2,
}
