using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;

namespace StackDepot.Capture;

/// <summary>
/// Turns frame ids from <see cref="StackCapture"/> into method names, offsets and, on request, source file and line.
/// Thread-safe; results are cached per frame id.
/// </summary>
/// <remarks>
/// <para>Names come from <c>MethodBase.GetMethodFromHandle(RuntimeMethodHandle.FromIntPtr(handle), declaringType)</c>
/// (the declaring type is passed so that methods of generic types resolve). Methods of collectible assemblies are
/// never resolved from a bare handle, which could dangle after an unload: their names are recorded when the frame is
/// first captured, and the frame reports <see cref="FrameKind.Unloaded"/> once the assembly is gone.</para>
/// <para>No frame id makes this class throw: ids it does not know, opaque frames and methods that fail to resolve get
/// a placeholder name in angle brackets and <see cref="SymbolizedFrame.IsPlaceholder"/>.</para>
/// <para>Source lines need a portable PDB (embedded, or beside the assembly) matching the loaded assembly; the line is
/// the one of the sequence point at or before the frame's IL offset, as in the runtime's own stack traces.</para>
/// </remarks>
public sealed class Symbolizer : IDisposable
{
    private static readonly Symbolizer s_shared = new(options: null, isShared: true);

    private readonly ConcurrentDictionary<ulong, SymbolizedFrame> _names = new();
    private readonly ConcurrentDictionary<ulong, SymbolizedFrame> _withSource = new();
    private readonly ConcurrentDictionary<ulong, string> _displayNames = new();
    private readonly SourceLineResolver _sourceLines = new();
    private readonly bool _readableNames;
    private readonly bool _isShared;

    /// <summary>Creates a symbolizer with its own caches and PDB readers (dispose it to close them).</summary>
    /// <param name="options">Options; null for the defaults.</param>
    public Symbolizer(SymbolizerOptions? options = null)
        : this(options, isShared: false)
    {
    }

    private Symbolizer(SymbolizerOptions? options, bool isShared)
    {
        _readableNames = (options ?? new SymbolizerOptions()).ReadableNames;
        _isShared = isShared;
    }

    /// <summary>A process-wide symbolizer with default options. Disposing it does nothing.</summary>
    public static Symbolizer Shared => s_shared;

    /// <summary>Symbolizes one frame id.</summary>
    /// <param name="frameId">A frame id from <see cref="StackCapture"/> (any value is accepted).</param>
    /// <param name="includeSourceInfo">Also look up the source file and line (opens the module's PDB once).</param>
    /// <returns>The frame's names; a placeholder for ids that are unknown or cannot be resolved.</returns>
    public SymbolizedFrame Symbolize(ulong frameId, bool includeSourceInfo = false)
    {
        ConcurrentDictionary<ulong, SymbolizedFrame> cache = includeSourceInfo ? _withSource : _names;
        if (cache.TryGetValue(frameId, out SymbolizedFrame? cached))
        {
            return cached;
        }

        SymbolizedFrame frame = Resolve(frameId, includeSourceInfo);

        // Managed and opaque frames never change. Unknown ids may be issued later and collectible frames may
        // unload, so those are recomputed (cheaply: no reflection for either).
        return frame.Kind is FrameKind.Managed or FrameKind.Opaque ? cache.GetOrAdd(frameId, frame) : frame;
    }

    /// <summary>Symbolizes a stack of frame ids, innermost first.</summary>
    /// <param name="frameIds">The frames.</param>
    /// <param name="includeSourceInfo">Also look up source files and lines.</param>
    /// <returns>One result per frame, in the same order.</returns>
    public SymbolizedFrame[] Symbolize(ReadOnlySpan<ulong> frameIds, bool includeSourceInfo = false)
    {
        var result = new SymbolizedFrame[frameIds.Length];
        for (int i = 0; i < frameIds.Length; i++)
        {
            result[i] = Symbolize(frameIds[i], includeSourceInfo);
        }

        return result;
    }

    /// <summary>The frame's <see cref="SymbolizedFrame.DisplayName"/>: <c>Namespace.Type.Method(args) + IL_000c</c>.</summary>
    /// <param name="frameId">A frame id (any value is accepted).</param>
    /// <returns>The display name, or a placeholder.</returns>
    public string GetName(ulong frameId)
    {
        if (_displayNames.TryGetValue(frameId, out string? name))
        {
            return name;
        }

        SymbolizedFrame frame = Symbolize(frameId);
        return frame.Kind is FrameKind.Managed or FrameKind.Opaque ? _displayNames.GetOrAdd(frameId, frame.DisplayName) : frame.DisplayName;
    }

    /// <summary>Closes the PDB readers this symbolizer opened. Later calls still work, without source lines.</summary>
    public void Dispose()
    {
        if (!_isShared)
        {
            _sourceLines.Dispose();
        }
    }

    private SymbolizedFrame Resolve(ulong frameId, bool includeSourceInfo)
    {
        if (!FrameTable.TryGet(frameId, out FrameEntry? entry))
        {
            return new SymbolizedFrame
            {
                FrameId = frameId,
                Kind = FrameKind.Unknown,
                Method = "<unknown frame 0x" + frameId.ToString("x", CultureInfo.InvariantCulture) + ">",
                IsPlaceholder = true,
            };
        }

        switch (entry.Kind)
        {
            case FrameKind.Opaque:
                return Frame(entry, FrameKind.Opaque, entry.RecordedName ?? "<dynamic or unknown method>", null, placeholder: true);

            case FrameKind.Collectible:
                // Holding the owner (declaring type or module) keeps the collectible assembly loaded while we look.
                if (entry.Owner is null || !entry.Owner.TryGetTarget(out object? owner))
                {
                    return Frame(entry, FrameKind.Unloaded, entry.RecordedName ?? "<unloaded method>", entry.RecordedModule, placeholder: false);
                }

                SymbolizedFrame live = Frame(entry, FrameKind.Collectible, entry.RecordedName ?? "<collectible method>", entry.RecordedModule, placeholder: false);
                SymbolizedFrame result = includeSourceInfo && TryGetMethod(entry, out MethodBase? collectible)
                    ? WithSource(live, collectible, entry.ILOffset)
                    : live;
                GC.KeepAlive(owner);
                return result;

            default:
                if (!TryGetMethod(entry, out MethodBase? method))
                {
                    return Frame(entry, FrameKind.Managed, "<unresolvable method 0x" + ((ulong)entry.Method).ToString("x", CultureInfo.InvariantCulture) + ">", null, placeholder: true);
                }

                SymbolizedFrame named = Frame(entry, FrameKind.Managed, MethodNameFormatter.FormatSafely(method, _readableNames),
                    MethodNameFormatter.ModuleName(method), placeholder: false);
                return includeSourceInfo ? WithSource(named, method, entry.ILOffset) : named;
        }
    }

    private SymbolizedFrame WithSource(SymbolizedFrame frame, MethodBase method, int ilOffset)
    {
        try
        {
            if (_sourceLines.TryResolve(method, ilOffset, out string? file, out int line, out int column))
            {
                // The method's first line: that of its sequence point at IL offset 0, when it is not hidden.
                int methodLine = _sourceLines.TryResolve(method, 0, out _, out int first, out _) ? first : 0;
                return frame with { File = file, Line = line, Column = column, MethodLine = methodLine };
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Source lines are best effort: an unreadable PDB must not turn a name into an exception.
        }

        return frame;
    }

    private static bool TryGetMethod(FrameEntry entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MethodBase? method)
    {
        try
        {
            RuntimeMethodHandle handle = RuntimeMethodHandle.FromIntPtr(entry.Method);
            method = entry.DeclaringType != 0
                ? MethodBase.GetMethodFromHandle(handle, RuntimeTypeHandle.FromIntPtr(entry.DeclaringType))
                : MethodBase.GetMethodFromHandle(handle);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or TypeLoadException)
        {
            method = null;
        }

        return method is not null;
    }

    private static SymbolizedFrame Frame(FrameEntry entry, FrameKind kind, string name, string? module, bool placeholder) => new()
    {
        FrameId = entry.Id,
        Kind = kind,
        Method = name,
        Module = module,
        ILOffset = entry.ILOffset,
        NativeOffset = entry.NativeOffset,
        IsPlaceholder = placeholder,
    };
}
