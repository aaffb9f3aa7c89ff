namespace StackDepot.Capture;

/// <summary>What <see cref="StackCapture.TryGetFrameInfo"/> knows about a frame id without resolving names.</summary>
/// <param name="FrameId">The frame id.</param>
/// <param name="Kind">Managed, collectible (possibly unloaded since) or opaque.</param>
/// <param name="MethodHandle">The method handle (<c>RuntimeMethodHandle.Value</c>, the typical definition for generic
/// methods); 0 for opaque frames. Only valid while the method is loaded.</param>
/// <param name="DeclaringTypeHandle">The declaring type's handle (its generic definition for generic types); 0 for
/// global methods and opaque frames.</param>
/// <param name="ILOffset">The IL offset; -1 when the runtime reported none.</param>
/// <param name="NativeOffset">The native code offset when the frame was first seen (tiered code may have moved
/// since).</param>
public readonly record struct FrameInfo(
    ulong FrameId,
    FrameKind Kind,
    nint MethodHandle,
    nint DeclaringTypeHandle,
    int ILOffset,
    int NativeOffset);
