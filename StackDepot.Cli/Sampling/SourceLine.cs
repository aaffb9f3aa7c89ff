namespace StackDepot.Cli.Sampling;

/// <summary>A source position found through a PDB; <c>default</c> when none was found.</summary>
/// <param name="File">The source file as the PDB records it.</param>
/// <param name="Line">The 1-based line.</param>
internal readonly record struct SourceLine(string? File, int Line);
