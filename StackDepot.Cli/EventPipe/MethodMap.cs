using System.Globalization;
using StackDepot.Reporting;

namespace StackDepot.Cli.EventPipe;

/// <summary>
/// Native code ranges of the target's methods, from the runtime's method load events (methods compiled during the
/// session; at Informational level they carry no names, which the rundown supplies) and rundown events (every method with code when the session ends, precompiled ones included), and the
/// names of the methods and modules. Turns a return address of an event's stack into its method.
/// </summary>
/// <remarks>
/// Grows with the methods and modules of the target, not with events. A method has one range per code version
/// (tiered compilation compiles hot methods again), all with the same method id. Ranges are sorted on the first
/// lookup after a change; a range registered again (the rundown repeats what the load events said) replaces nothing.
/// </remarks>
internal sealed class MethodMap
{
    /// <summary>Set in the id of an address that no method range covers (user-space addresses never have it).</summary>
    public const ulong UnresolvedBit = 1UL << 63;

    private readonly List<CodeRange> _ranges = [];
    private readonly HashSet<(ulong Start, ulong MethodId)> _seen = [];
    private readonly Dictionary<ulong, MethodInfo> _methods = [];
    private readonly Dictionary<ulong, string> _modules = [];
    private bool _sorted = true;

    /// <summary>Distinct methods known.</summary>
    public int Methods => _methods.Count;

    /// <summary>Code ranges known (a method has one per code version).</summary>
    public int Ranges => _ranges.Count;

    /// <summary>Records a method's code range and its name.</summary>
    /// <param name="methodId">The runtime's id of the method (its MethodDesc).</param>
    /// <param name="start">The first byte of the code.</param>
    /// <param name="size">The code size in bytes.</param>
    /// <param name="typeName">The declaring type (the event's <c>MethodNamespace</c>).</param>
    /// <param name="name">The method name.</param>
    /// <param name="signature">The event's signature text, for example <c>instance void  (int32,class System.String)</c>.</param>
    /// <param name="moduleId">The runtime's id of the method's module.</param>
    public void AddMethod(ulong methodId, ulong start, long size, string typeName, string name, string signature, ulong moduleId)
    {
        if (methodId == 0 || start == 0 || size <= 0)
        {
            return;
        }

        if (!_methods.TryGetValue(methodId, out MethodInfo? known) || known.Name is null)
        {
            _methods[methodId] = new MethodInfo(FormatName(typeName, name, signature), moduleId);
        }

        AddCode(methodId, start, size);
    }

    /// <summary>Records a method's code range whose name is not known yet (a method load event at Informational
    /// level has no names; the rundown names it later).</summary>
    /// <param name="methodId">The runtime's id of the method (its MethodDesc).</param>
    /// <param name="start">The first byte of the code.</param>
    /// <param name="size">The code size in bytes.</param>
    /// <param name="moduleId">The runtime's id of the method's module.</param>
    public void AddRange(ulong methodId, ulong start, long size, ulong moduleId)
    {
        if (methodId == 0 || start == 0 || size <= 0)
        {
            return;
        }

        _methods.TryAdd(methodId, new MethodInfo(null, moduleId));
        AddCode(methodId, start, size);
    }

    /// <summary>Records a module's file, for the module name of its methods' frames.</summary>
    /// <param name="moduleId">The runtime's id of the module.</param>
    /// <param name="path">The module's IL path (or native path when it has none).</param>
    public void AddModule(ulong moduleId, string? path)
    {
        if (moduleId != 0 && !string.IsNullOrEmpty(path))
        {
            _modules[moduleId] = Path.GetFileNameWithoutExtension(path.Replace('\\', '/'));
        }
    }

    private void AddCode(ulong methodId, ulong start, long size)
    {
        if (_seen.Add((start, methodId)))
        {
            _ranges.Add(new CodeRange(start, start + (ulong)size, methodId));
            _sorted = false;
        }
    }

    /// <summary>The method whose code holds <paramref name="address"/>, or the address with <see cref="UnresolvedBit"/>
    /// set when no known range covers it.</summary>
    /// <param name="address">A return address from an event's stack.</param>
    /// <returns>A frame id for the report depot.</returns>
    public ulong Resolve(ulong address)
    {
        if (!_sorted)
        {
            _ranges.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
            _sorted = true;
        }

        // The last range starting at or below the address. A return address points just past its call, which can be
        // the first byte after a method ending in a call: look up address - 1, as debuggers do.
        ulong key = address - 1;
        int found = SortedSearch.LastAtOrBelow(_ranges, key, static r => r.Start);
        return found >= 0 && key < _ranges[found].End ? _ranges[found].MethodId : address | UnresolvedBit;
    }

    /// <summary>The report frame of a frame id from <see cref="Resolve"/>.</summary>
    /// <param name="frameId">A method id, or an unresolved address.</param>
    /// <returns>The frame: <c>Type.Method(args)</c> with its module, or <c>[unknown 0x...]</c>.</returns>
    public ReportFrame Frame(ulong frameId)
    {
        if ((frameId & UnresolvedBit) != 0 || !_methods.TryGetValue(frameId, out MethodInfo? method))
        {
            ulong address = frameId & ~UnresolvedBit;
            return new ReportFrame("[unknown " + "0x" + address.ToString("x", CultureInfo.InvariantCulture) + "]", Address: address);
        }

        return method.Name is null
            ? new ReportFrame("[method 0x" + frameId.ToString("x", CultureInfo.InvariantCulture) + "]", _modules.GetValueOrDefault(method.ModuleId))
            : new ReportFrame(method.Name, _modules.GetValueOrDefault(method.ModuleId));
    }

    /// <summary>The method as the other reports name it (<see cref="EventSignatures.Readable"/>); when its signature is
    /// not in a form read there, <c>Namespace.Type.Method(args)</c> from the event's parts, the return type and calling
    /// convention dropped.</summary>
    internal static string FormatName(string typeName, string name, string signature)
    {
        if (EventSignatures.Readable(typeName, name, signature) is { } readable)
        {
            return readable;
        }

        int open = signature.IndexOf('(', StringComparison.Ordinal);
        int close = signature.LastIndexOf(')');
        string args = open >= 0 && close > open ? signature[(open + 1)..close] : string.Empty;
        return string.IsNullOrEmpty(typeName) ? $"{name}({args})" : $"{typeName}.{name}({args})";
    }

    private readonly record struct CodeRange(ulong Start, ulong End, ulong MethodId);

    private sealed record MethodInfo(string? Name, ulong ModuleId);
}
