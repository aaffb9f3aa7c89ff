namespace StackDepot.Naming;

/// <summary>How a frame's method reads, and what it is.</summary>
/// <param name="Text">The readable name: <c>Namespace.Type.Method&lt;T&gt;(int, List&lt;string&gt;)</c>, with
/// <c>+lambda</c> or <c>+Local(args)</c> for code the compiler generated from a lambda or local function.</param>
/// <param name="WrittenMethod">The method a person wrote that the frame belongs to, without parameters
/// (<c>Namespace.Type.Method</c>): for a state machine's <c>MoveNext</c> the async method or iterator, for a lambda
/// or local function the method it was written in. Frames of one written method share it.</param>
/// <param name="IsStateMachine">True for the body of an async method or iterator (its state machine's <c>MoveNext</c>),
/// which the runtime starts from a stub method of the same name.</param>
/// <param name="IsPlumbing">True for the runtime's async and task plumbing (<see cref="PlumbingFrames"/>).</param>
internal readonly record struct MethodDisplay(string Text, string WrittenMethod, bool IsStateMachine, bool IsPlumbing);
