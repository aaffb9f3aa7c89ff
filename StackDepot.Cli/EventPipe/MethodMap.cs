using System.Globalization;
using StackDepot.Cli.Sampling;
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

    /// <summary>The module name the runtime's events give the in-memory module of dynamic methods.</summary>
    private const string DynamicMethodsModule = "Anonymously Hosted DynamicMethods Assembly";

    private readonly List<CodeRange> _ranges = [];
    private readonly HashSet<(ulong Start, ulong MethodId)> _seen = [];
    private readonly Dictionary<ulong, MethodInfo> _methods = [];
    private readonly Dictionary<ulong, ModuleInfo> _modules = [];
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
    /// <param name="token">The method's metadata token (0 when unknown).</param>
    public void AddMethod(ulong methodId, ulong start, long size, string typeName, string name, string signature, ulong moduleId, int token = 0)
    {
        if (methodId == 0 || start == 0 || size <= 0)
        {
            return;
        }

        if (!_methods.TryGetValue(methodId, out MethodInfo? known) || known.Signature is null)
        {
            _methods[methodId] = new MethodInfo(EventSignatures.ToRuntimeSignature(typeName, name, signature), name, moduleId, token);
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

        _methods.TryAdd(methodId, new MethodInfo(null, null, moduleId, 0));
        AddCode(methodId, start, size);
    }

    /// <summary>Records a module's file, for the module name of its methods' frames and to read their metadata.</summary>
    /// <param name="moduleId">The runtime's id of the module.</param>
    /// <param name="path">The module's IL path (or native path when it has none), as the target sees it.</param>
    /// <param name="buildId">The id of its PDB (the CodeView id), to check that the file read is the build loaded;
    /// empty when unknown.</param>
    public void AddModule(ulong moduleId, string? path, Guid buildId = default)
    {
        if (moduleId != 0 && !string.IsNullOrEmpty(path))
        {
            _modules[moduleId] = new ModuleInfo(path, buildId);
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

    /// <summary>How the method of a frame id from <see cref="Resolve"/> reads and where its metadata is; null for an
    /// unresolved address.</summary>
    /// <param name="frameId">A method id, or an unresolved address.</param>
    /// <param name="namer">Maps the target's file paths to files this process can open.</param>
    public ClrMethodName? Method(ulong frameId, ClrFrameNamer namer)
    {
        if ((frameId & UnresolvedBit) != 0 || !_methods.TryGetValue(frameId, out MethodInfo? method) || method.Signature is null)
        {
            return null; // not a method's code, or a method not named yet
        }

        if (method.Name is null)
        {
            ModuleInfo? module = _modules.GetValueOrDefault(method.ModuleId);
            bool dynamic = module is null || module.Path == DynamicMethodsModule || !Path.IsPathRooted(module.Path);
            method.Name = ClrFrameNamer.Describe(method.Signature, method.MethodName, null,
                module is null ? null : dynamic ? ClrFrameNamer.DynamicModule : ClrFrameNamer.ModuleName(module.Path),
                dynamic ? null : namer.MapPath(module!.Path), module?.BuildId ?? Guid.Empty, method.Token);
        }

        return method.Name;
    }

    /// <summary>The report frame of a frame id from <see cref="Resolve"/>, named as every report names frames
    /// (<paramref name="namer"/>: readable, or the runtime's names with <c>--raw-names</c>).</summary>
    /// <param name="frameId">A method id, or an unresolved address.</param>
    /// <param name="namer">Names the method from its signature and its assembly's metadata.</param>
    /// <returns>The frame: <c>Type.Method(args)</c> with its module, or <c>[unknown 0x...]</c>.</returns>
    public ReportFrame Frame(ulong frameId, ClrFrameNamer namer)
    {
        if (Method(frameId, namer) is not { } method)
        {
            if ((frameId & UnresolvedBit) == 0 && _methods.TryGetValue(frameId, out MethodInfo? unnamed))
            {
                ModuleInfo? module = _modules.GetValueOrDefault(unnamed.ModuleId);
                return new ReportFrame("[method 0x" + frameId.ToString("x", CultureInfo.InvariantCulture) + "]", module is null ? null : ClrFrameNamer.ModuleName(module.Path));
            }

            ulong address = frameId & ~UnresolvedBit;
            return new ReportFrame("[unknown " + "0x" + address.ToString("x", CultureInfo.InvariantCulture) + "]", Address: address);
        }

        return new ReportFrame(namer.Text(method), method.Module) { MethodLine = namer.FindLine(method, 0).Line };
    }

    private readonly record struct CodeRange(ulong Start, ulong End, ulong MethodId);

    /// <summary>A method as the events give it (no signature until the rundown names a method whose load event had
    /// none); <see cref="Name"/> is made on first use.</summary>
    private sealed record MethodInfo(string? Signature, string? MethodName, ulong ModuleId, int Token)
    {
        public ClrMethodName? Name { get; set; }
    }

    private sealed record ModuleInfo(string Path, Guid BuildId);
}
