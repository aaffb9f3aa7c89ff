namespace StackDepot.Cli.Top;

/// <summary>A method (frame) in the <c>top</c> view: samples where it was the innermost frame, and samples where it
/// was anywhere on the stack.</summary>
/// <param name="Name">The frame as reports print it.</param>
/// <param name="Own">Samples with this frame innermost.</param>
/// <param name="Total">Samples with this frame anywhere (once per sample, however deep it recurses).</param>
internal sealed record TopMethod(string Name, long Own, long Total);
