namespace StackDepot.Capture;

/// <summary>What a frame id names, as reported by <see cref="StackCapture.TryGetFrameInfo"/> and
/// <see cref="SymbolizedFrame.Kind"/>.</summary>
public enum FrameKind
{
    /// <summary>Not a frame id issued by <see cref="StackCapture"/> in this process (zero, forged, or from another
    /// process).</summary>
    Unknown = 0,

    /// <summary>A method of a non-collectible assembly. Its method handle stays valid for the life of the
    /// process and is resolved lazily.</summary>
    Managed = 1,

    /// <summary>A method of a collectible assembly (an unloadable <c>AssemblyLoadContext</c> or a
    /// <c>RunAndCollect</c> dynamic assembly). Its name was recorded when the frame was first captured, because the
    /// method may be unloaded later.</summary>
    Collectible = 2,

    /// <summary>A method of a collectible assembly that has since been unloaded. Only the name recorded at capture
    /// time remains.</summary>
    Unloaded = 3,

    /// <summary>A frame the runtime reported without a usable method (a <c>DynamicMethod</c>, or no method at all).
    /// Only its offset is known.</summary>
    Opaque = 4,
}
