using System.Reflection;

namespace StackDepot.Capture;

/// <summary>One interned frame. Immutable once published.</summary>
internal sealed class FrameEntry(
    ulong id,
    nint method,
    nint declaringType,
    int ilOffset,
    int nativeOffset,
    FrameKind kind,
    WeakReference<object>? owner,
    string? recordedName,
    string? recordedModule,
    bool hidden,
    FrameRole role = default)
{
    /// <summary>The frame id.</summary>
    public ulong Id { get; } = id;

    /// <summary>Method handle (the typical definition for generic methods); 0 for opaque frames.</summary>
    public nint Method { get; } = method;

    /// <summary>Type handle of the declaring type (its generic definition for generic types); 0 for global methods.</summary>
    public nint DeclaringType { get; } = declaringType;

    /// <summary>IL offset, or -1 when the runtime did not report one.</summary>
    public int ILOffset { get; } = ilOffset;

    /// <summary>Native offset at first sight (tiered code may have had others since).</summary>
    public int NativeOffset { get; } = nativeOffset;

    /// <summary>Managed, Collectible or Opaque (Unloaded is derived when a collectible owner has died).</summary>
    public FrameKind Kind { get; } = kind;

    /// <summary>Collectible frames: the declaring type (or module), held weakly as a liveness probe.</summary>
    public WeakReference<object>? Owner { get; } = owner;

    /// <summary>Collectible frames: the name formatted at first sight.</summary>
    public string? RecordedName { get; } = recordedName;

    /// <summary>Collectible frames: the assembly's simple name at first sight.</summary>
    public string? RecordedModule { get; } = recordedModule;

    /// <summary>The method or its declaring type carries <see cref="System.Diagnostics.StackTraceHiddenAttribute"/>:
    /// trackers leave such frames out at the top of the stacks they capture.</summary>
    public bool Hidden { get; } = hidden;

    /// <summary>What the frame is to the async machinery: plumbing, an async method's stub or a state machine's
    /// <c>MoveNext</c> (see <see cref="StackCapture.CaptureBelow"/>).</summary>
    public FrameRole Role { get; } = role;

    /// <summary>True when <paramref name="method"/> is the live collectible method this entry was created for.</summary>
    public bool IsSameCollectibleMethod(MethodBase? method) =>
        method is not null
        && Owner is not null
        && Owner.TryGetTarget(out object? target)
        && ReferenceEquals(target, (object?)method.DeclaringType ?? method.Module);
}
