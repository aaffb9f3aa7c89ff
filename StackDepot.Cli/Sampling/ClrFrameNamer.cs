using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Capture;
using StackDepot.Naming;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Names ClrMD methods in the product's one naming style (<see cref="ReadableNameFormatter"/>, the same rules as the
/// in-process symbolizer) or, with <c>--raw-names</c>, exactly as the runtime prints them; finds source lines through
/// the portable PDBs next to the target's assemblies (<see cref="SourceLineResolver"/>, shared with the in-process
/// path). Used while the target is attached: ClrMD reads names and code maps from the target's memory.
/// </summary>
/// <param name="rawNames">Print the runtime's signature (<c>ClrMethod.Signature</c>) unchanged.</param>
/// <param name="fileSystemRoot">Prefix that makes the target's file paths readable here (<c>/proc/PID/root</c>
/// for a live process, which also reaches into its container); null to use the paths as they are.</param>
internal sealed class ClrFrameNamer(bool rawNames, string? fileSystemRoot) : IDisposable
{
    private readonly SourceLineResolver _lines = new();

    /// <summary>Names <paramref name="method"/>; never throws for what the target holds.</summary>
    public ClrMethodName Name(ClrMethod method)
    {
        string raw = method.Signature ?? ((method.Type?.Name ?? "?") + "." + (method.Name ?? "?"));
        MethodSyntax? parsed = MetadataNameParser.TryParseSignature(raw, method.Name);
        if (parsed is null)
        {
            return new ClrMethodName(raw, raw, IsStateMachine: false, IsPlumbing: false);
        }

        MethodDisplay display = ReadableNameFormatter.Describe(new MethodSyntax
        {
            DeclaringType = parsed.DeclaringType,
            Name = parsed.Name,
            GenericArguments = parsed.GenericArguments,
            Parameters = parsed.Parameters,
            TypeParameterNames = TypeParameterNames(method.Type),
        });
        return new ClrMethodName(rawNames ? raw : display.Text, display.WrittenMethod, display.IsStateMachine, display.IsPlumbing);
    }

    /// <summary>
    /// The source position of <paramref name="ip"/> in <paramref name="method"/>: native address to IL offset through
    /// ClrMD's map of the code, IL offset to the sequence point at or before it through the module's PDB.
    /// </summary>
    /// <param name="method">The method.</param>
    /// <param name="ip">The frame's instruction pointer.</param>
    /// <param name="isReturnAddress">True for a frame that is waiting for a call to return (every frame but one
    /// the thread was stopped in): its instruction pointer is the instruction after the call, which may belong to the
    /// next statement, so the call's own address (<paramref name="ip"/> - 1) is looked up, as debuggers do.</param>
    public SourceLine FindLine(ClrMethod method, ulong ip, bool isReturnAddress)
    {
        try
        {
            ClrModule? module = method.Type?.Module;
            if (module is null || module.IsDynamic || string.IsNullOrEmpty(module.Name) || !TryGetILOffset(method, isReturnAddress ? ip - 1 : ip, out int ilOffset))
            {
                return default;
            }

            Guid buildId = module.Pdb?.Guid ?? Guid.Empty;
            return _lines.TryResolve(MapPath(module.Name), buildId, method.MetadataToken, ilOffset, out string? file, out int line, out _)
                ? new SourceLine(file, line)
                : default;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException or OverflowException or BadImageFormatException)
        {
            return default; // a line is best effort: an unreadable code map or module never fails a sample
        }
    }

    /// <summary>
    /// Where <paramref name="ip"/> is in its method's code: <c>+ 0x1a</c> from the start of the hot code (or
    /// <c>+ 0x1a (cold)</c> in the cold part), or <c>@ 0x7f3a1c2b4e1a</c>, the address itself, when ClrMD does not
    /// know the code that holds it (ReadyToRun stubs, code replaced by a later tier), so that different addresses
    /// never print alike.
    /// </summary>
    internal static string CodeOffset(ulong ip, HotColdRegions regions)
    {
        if (regions.HotSize > 0 && ip >= regions.HotStart && ip - regions.HotStart < regions.HotSize)
        {
            return "+ 0x" + (ip - regions.HotStart).ToString("x", CultureInfo.InvariantCulture);
        }

        if (regions.ColdSize > 0 && ip >= regions.ColdStart && ip - regions.ColdStart < regions.ColdSize)
        {
            return "+ 0x" + (ip - regions.ColdStart).ToString("x", CultureInfo.InvariantCulture) + " (cold)";
        }

        return "@ 0x" + ip.ToString("x", CultureInfo.InvariantCulture);
    }

    /// <summary>The module's file name without <c>.dll</c>/<c>.exe</c>; <c>dynamic</c> for a module built in memory.</summary>
    public static string? ModuleName(ClrModule? module)
    {
        if (module is null)
        {
            return null;
        }

        string? path = module.Name ?? module.AssemblyName;
        if (string.IsNullOrEmpty(path))
        {
            return module.IsDynamic ? "dynamic" : null;
        }

        string file = Path.GetFileName(path);
        return file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)
            ? file[..^4]
            : file;
    }

    /// <summary>Closes the PDB readers.</summary>
    public void Dispose() => _lines.Dispose();

    // The IL offset of the map entry that holds the address; none when the map does not cover it (ClrMD's own
    // GetILOffset then guesses, which would print a wrong line). The prolog counts as the first statement.
    private static bool TryGetILOffset(ClrMethod method, ulong address, out int ilOffset)
    {
        const int Prolog = -2;
        ilOffset = -1;
        System.Collections.Immutable.ImmutableArray<ILToNativeMap> map = method.ILOffsetMap;
        foreach (ILToNativeMap entry in map.IsDefault ? [] : map)
        {
            if (address >= entry.StartAddress && address <= entry.EndAddress)
            {
                ilOffset = entry.ILOffset == Prolog ? 0 : entry.ILOffset;
                return ilOffset >= 0;
            }
        }

        return false;
    }

    private static string[]? TypeParameterNames(ClrType? type)
    {
        try
        {
            string[]? names = type?.EnumerateGenericParameters().Select(p => p.Name ?? "").ToArray();
            return names is { Length: > 0 } && names.All(n => n.Length > 0) ? names : null;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException or BadImageFormatException)
        {
            return null;
        }
    }

    private string MapPath(string path)
    {
        if (fileSystemRoot is null || !Path.IsPathRooted(path))
        {
            return path;
        }

        string mapped = fileSystemRoot + path;
        return File.Exists(mapped) ? mapped : path;
    }
}
