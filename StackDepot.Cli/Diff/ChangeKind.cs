namespace StackDepot.Cli.Diff;

/// <summary>How one stack changed between the two captures.</summary>
internal enum ChangeKind
{
    /// <summary>In both, larger in NEW.</summary>
    Grew,

    /// <summary>In both, smaller in NEW.</summary>
    Shrank,

    /// <summary>Only in NEW.</summary>
    Appeared,

    /// <summary>Only in BASE.</summary>
    Vanished,

    /// <summary>In both, the same value.</summary>
    Unchanged,
}
