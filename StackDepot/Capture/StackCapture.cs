using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace StackDepot.Capture;

/// <summary>
/// Captures the current thread's managed stack as frame ids, ready for <see cref="Depot.Save"/>, and turns frame ids
/// back into method, offset and kind (names come from <see cref="Symbolizer"/>).
/// </summary>
/// <remarks>
/// <para>
/// A frame id is a process-local 64-bit number, stable for one method and code offset: capturing the same call
/// site again, from any thread, gives the same id. The offset is the IL offset when the runtime reports one (so one
/// call site keeps its id when tiered compilation replaces the method's code) and the native offset otherwise.
/// Ids are dense and sequential (1, 2, 3, ...), never reused, and mean nothing in another process. See
/// <c>docs/in-process.md</c> for why this is an interning table rather than a packing of the method pointer.
/// </para>
/// <para>
/// Cost: the walk is the runtime's <see cref="StackTrace"/> without file information (several microseconds, growing
/// with the depth of the whole stack, not only the frames kept). The runtime allocates one <see cref="StackFrame"/>
/// per frame during that walk and offers no allocation-free walker; this class adds no allocation per frame (a
/// lock-free table lookup per frame, a lock only the first time a frame is seen). Frames of methods the JIT
/// inlined are not visible, as in any managed stack trace; frames of <c>DynamicMethod</c>s are either hidden by the
/// runtime or reported as <see cref="FrameKind.Opaque"/>.
/// </para>
/// </remarks>
public static class StackCapture
{
    /// <summary>Default depth for <see cref="Capture(int, int)"/>: 64 frames, the kernel stack depot's maximum.</summary>
    public const int DefaultMaxFrames = 64;

    /// <summary>Number of distinct frame ids issued in this process so far.</summary>
    public static int FrameIdCount => FrameTable.Count;

    /// <summary>
    /// Captures the calling thread's stack into <paramref name="destination"/>, innermost frame first.
    /// </summary>
    /// <param name="destination">Receives the frame ids; its length is the maximum depth. Deeper stacks keep their
    /// innermost frames.</param>
    /// <param name="skipFrames">Frames to leave out above the caller: 0 makes the method that calls
    /// <c>Capture</c> the first frame, 1 starts at its caller, and so on.</param>
    /// <returns>The number of frames written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="skipFrames"/> is negative.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Capture(Span<ulong> destination, int skipFrames = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skipFrames);
        if (destination.IsEmpty)
        {
            return 0;
        }

        // +1: this method's own frame. NoInlining keeps that count exact.
        return Convert(new StackTrace(skipFrames + 1, fNeedFileInfo: false), destination);
    }

    /// <summary>
    /// Captures the calling thread's stack into a new array, innermost frame first.
    /// </summary>
    /// <param name="skipFrames">Frames to leave out above the caller (0: the caller is the first frame).</param>
    /// <param name="maxFrames">The maximum depth; deeper stacks keep their innermost frames.</param>
    /// <returns>The frame ids (an empty array when nothing was captured).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="skipFrames"/> is negative or
    /// <paramref name="maxFrames"/> is not positive.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong[] Capture(int skipFrames = 0, int maxFrames = DefaultMaxFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skipFrames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrames);
        Span<ulong> buffer = maxFrames <= 256 ? stackalloc ulong[maxFrames] : new ulong[maxFrames];
        int count = Convert(new StackTrace(skipFrames + 1, fNeedFileInfo: false), buffer);
        return buffer[..count].ToArray();
    }

    /// <summary>
    /// Converts an existing <see cref="StackTrace"/> (for example <c>new StackTrace(exception)</c>) into frame ids,
    /// innermost frame first.
    /// </summary>
    /// <param name="trace">The trace; file information in it is not needed and not used.</param>
    /// <param name="destination">Receives the frame ids; its length is the maximum depth.</param>
    /// <returns>The number of frames written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trace"/> is null.</exception>
    public static int FromStackTrace(StackTrace trace, Span<ulong> destination)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return Convert(trace, destination);
    }

    /// <summary>
    /// Describes a frame id without resolving names: its kind, method handle and offsets.
    /// </summary>
    /// <param name="frameId">A frame id from this class.</param>
    /// <param name="info">The description; <c>default</c> when the id is unknown.</param>
    /// <returns>False when <paramref name="frameId"/> was never issued in this process.</returns>
    public static bool TryGetFrameInfo(ulong frameId, out FrameInfo info)
    {
        if (!FrameTable.TryGet(frameId, out FrameEntry? entry))
        {
            info = default;
            return false;
        }

        FrameKind kind = entry.Kind;
        if (kind == FrameKind.Collectible && entry.Owner is not null && !entry.Owner.TryGetTarget(out _))
        {
            kind = FrameKind.Unloaded;
        }

        info = new FrameInfo(frameId, kind, entry.Method, entry.DeclaringType, entry.ILOffset, entry.NativeOffset);
        return true;
    }

    /// <summary>
    /// Captures the stack below the library's own frames, for the trackers: leading frames whose method is declared by
    /// <paramref name="boundary"/> (or a type nested in it) or marked <see cref="StackTraceHiddenAttribute"/> (on the
    /// method or its type) are left out whatever their number, so the JIT inlining or tail-calling helpers cannot shift
    /// the first frame kept. Then <paramref name="skipFrames"/> more are left out.
    /// </summary>
    /// <param name="destination">Receives the frame ids, innermost first.</param>
    /// <param name="boundary">The tracker's type, whose frames lead the stack.</param>
    /// <param name="skipFrames">Frames to leave out after those.</param>
    /// <param name="foldRuntimeFrames">Leave the runtime's async and task plumbing out, as the CLI's reports do by
    /// default: the plumbing frames (<see cref="Naming.PlumbingFrames"/>), and an async method's stub where it stands
    /// right outside the state machine it started (with the builder's <c>Start</c> gone they would read as the same
    /// method twice). <paramref name="destination"/> is filled with the frames kept.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static int CaptureBelow(Span<ulong> destination, Type boundary, int skipFrames, bool foldRuntimeFrames)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        var trace = new StackTrace(1, fNeedFileInfo: false);
        int first = 0;
        while (first < trace.FrameCount)
        {
            StackFrame? frame = trace.GetFrame(first);
            System.Reflection.MethodBase? method = frame?.GetMethod();
            if (!IsDeclaredBy(method, boundary)
                && (frame is null || !FrameTable.InternEntry(method, frame.GetILOffset(), frame.GetNativeOffset()).Hidden))
            {
                break;
            }

            first++;
        }

        return Convert(trace, destination, first + skipFrames, foldRuntimeFrames);
    }

    private static bool IsDeclaredBy(System.Reflection.MethodBase? method, Type boundary)
    {
        for (Type? type = method?.DeclaringType; type is not null; type = type.DeclaringType)
        {
            if (type == boundary)
            {
                return true;
            }
        }

        return false;
    }

    private static int Convert(StackTrace trace, Span<ulong> destination, int first = 0, bool foldRuntimeFrames = false)
    {
        int kept = 0;
        nint lastMoveNextOf = 0;
        for (int i = first; i < trace.FrameCount && kept < destination.Length; i++)
        {
            // GetFrame (unlike GetFrames) does not copy the frame array.
            StackFrame? frame = trace.GetFrame(i);
            FrameEntry entry = frame is null
                ? FrameTable.InternEntry(null, StackFrame.OFFSET_UNKNOWN, 0)
                : FrameTable.InternEntry(frame.GetMethod(), frame.GetILOffset(), frame.GetNativeOffset());
            FrameRole role = entry.Role;
            if (foldRuntimeFrames && (role.IsPlumbing || (role.StubOf != 0 && role.StubOf == lastMoveNextOf)))
            {
                continue;
            }

            destination[kept++] = entry.Id;
            lastMoveNextOf = role.MoveNextOf;
        }

        return kept;
    }
}
