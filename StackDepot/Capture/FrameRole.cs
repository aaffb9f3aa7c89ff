namespace StackDepot.Capture;

/// <summary>
/// What an interned frame is to the async machinery, found once when the frame is first seen, so that the trackers can
/// leave the runtime's plumbing out of the stacks they capture without naming any frame
/// (<see cref="StackCapture.CaptureBelow"/>).
/// </summary>
/// <param name="IsPlumbing">The method is on the list of the runtime's async and task plumbing
/// (<see cref="Naming.PlumbingFrames"/>).</param>
/// <param name="StubOf">For an async method's stub (the method marked <c>AsyncStateMachineAttribute</c>, which starts
/// its state machine): the type handle of that state machine's definition; otherwise 0.</param>
/// <param name="MoveNextOf">For a state machine's <c>MoveNext</c>: the type handle of the state machine's definition;
/// otherwise 0.</param>
internal readonly record struct FrameRole(bool IsPlumbing, nint StubOf, nint MoveNextOf);
