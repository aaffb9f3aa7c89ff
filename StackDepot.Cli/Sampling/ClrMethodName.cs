namespace StackDepot.Cli.Sampling;

/// <summary>How a method of the target reads, and what kind of frame it makes.</summary>
/// <param name="Text">The name printed (readable, or the runtime's with <c>--raw-names</c>).</param>
/// <param name="WrittenMethod">The method a person wrote that the frame belongs to (<c>Namespace.Type.Method</c>);
/// an async method's stub and its state machine share it.</param>
/// <param name="IsStateMachine">The body of an async method or iterator.</param>
/// <param name="IsPlumbing">The runtime's async and task plumbing, left out unless <c>--runtime-frames</c>.</param>
internal sealed record ClrMethodName(string Text, string WrittenMethod, bool IsStateMachine, bool IsPlumbing);
