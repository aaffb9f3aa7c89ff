using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Capture;
using StackDepot.Naming;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Names ClrMD methods in the product's one naming style (<see cref="ReadableNameFormatter"/>, the rules of the
/// in-process symbolizer) or, with <c>--raw-names</c>, exactly as the runtime prints them, and finds source lines
/// through the portable PDBs next to the target's assemblies (<see cref="SourceLineResolver"/>, shared with the
/// in-process path). Work is split so the target is stopped no longer than needed: while attached, only what ClrMD
/// reads from the target's memory (<see cref="Read"/>, <see cref="TryGetILOffset"/>); after, the assembly metadata
/// (<see cref="MetadataNameResolver"/>) and PDBs are read from disk (<see cref="Text"/>, <see cref="FindLine"/>).
/// </summary>
/// <param name="rawNames">Print the runtime's signature (<c>ClrMethod.Signature</c>) unchanged.</param>
/// <param name="fileSystemRoot">Prefix that makes the target's file paths readable here (<c>/proc/PID/root</c>
/// for a live process, which also reaches into its container); null to use the paths as they are.</param>
internal sealed class ClrFrameNamer(bool rawNames, string? fileSystemRoot) : IDisposable
{
    private readonly SourceLineResolver _lines = new();
    private readonly MetadataNameResolver _metadata = new();

    /// <summary>Reads what is needed to name <paramref name="method"/> (while attached); never throws for what the
    /// target holds.</summary>
    public ClrMethodName Read(ClrMethod method)
    {
        string raw = method.Signature ?? ((method.Type?.Name ?? "?") + "." + (method.Name ?? "?"));
        ClrModule? module = method.Type?.Module;
        string? path = module is null || module.IsDynamic || string.IsNullOrEmpty(module.Name) ? null : MapPath(module.Name);
        Guid buildId = Guarded(() => module?.Pdb?.Guid ?? Guid.Empty, Guid.Empty);
        MethodSyntax? parsed = MetadataNameParser.TryParseSignature(raw, method.Name);
        if (parsed is null)
        {
            return new ClrMethodName(raw, null, raw, false, false, ModuleName(module), path, buildId, method.MetadataToken);
        }

        parsed = new MethodSyntax
        {
            DeclaringType = parsed.DeclaringType,
            Name = parsed.Name,
            GenericArguments = parsed.GenericArguments,
            Parameters = parsed.Parameters,
            TypeParameterNames = Guarded(() => TypeParameterNames(method.Type), null),
        };
        MethodDisplay display = ReadableNameFormatter.Describe(parsed);
        return new ClrMethodName(raw, parsed, display.WrittenMethod, display.IsStateMachine, display.IsPlumbing,
            ModuleName(module), path, buildId, method.MetadataToken);
    }

    /// <summary>
    /// The IL offset of <paramref name="ip"/> in <paramref name="method"/>, from ClrMD's map of the method's code (while
    /// attached). False when the map does not cover the address: ClrMD's own <c>GetILOffset</c> then guesses, which
    /// would print a wrong line (it also compares end addresses inclusively, so a return address at the start of the
    /// next statement's code gets the call's statement, but a thread stopped right there gets the wrong one).
    /// </summary>
    /// <param name="method">The method.</param>
    /// <param name="ip">The frame's instruction pointer.</param>
    /// <param name="isReturnAddress">True for a frame that is waiting for a call to return (every frame but one the
    /// thread was stopped in): its instruction pointer is the instruction after the call, which may belong to the next
    /// statement, so the call's own address (<paramref name="ip"/> - 1) is looked up.</param>
    /// <param name="ilOffset">The IL offset; the prolog counts as offset 0.</param>
    public static bool TryGetILOffset(ClrMethod method, ulong ip, bool isReturnAddress, out int ilOffset)
    {
        const int Prolog = -2;
        ilOffset = -1;
        ulong address = isReturnAddress ? ip - 1 : ip;
        ImmutableArray<ILToNativeMap> map = Guarded(() => method.ILOffsetMap, default);
        foreach (ILToNativeMap entry in map.IsDefault ? [] : map)
        {
            // End addresses are exclusive (each range ends where the next starts); the map lists every code version.
            if (address >= entry.StartAddress && address < entry.EndAddress)
            {
                ilOffset = entry.ILOffset == Prolog ? 0 : entry.ILOffset;
                return ilOffset >= 0;
            }
        }

        return false;
    }

    /// <summary>The name to print (after the target is released): the runtime's, or the readable one completed from
    /// the assembly's metadata (parameters of the method an async state machine or lambda was written in, generic
    /// parameter names, <c>out</c> and <c>in</c>).</summary>
    public string Text(ClrMethodName name)
    {
        if (rawNames || name.Parsed is null)
        {
            return name.Raw;
        }

        MethodSyntax method = name.AssemblyPath is null ? name.Parsed : _metadata.Resolve(name.Parsed, name.AssemblyPath, name.BuildId, name.Token);
        return ReadableNameFormatter.Format(method);
    }

    /// <summary>The source position of <paramref name="ilOffset"/> in the method (after the target is released).</summary>
    public (string? File, int Line) FindLine(ClrMethodName name, int ilOffset) =>
        name.AssemblyPath is not null && _lines.TryResolve(name.AssemblyPath, name.BuildId, name.Token, ilOffset, out string? file, out int line, out _)
            ? (file, line)
            : (null, 0);

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

    /// <summary>Closes the assembly files and PDB readers.</summary>
    public void Dispose()
    {
        _lines.Dispose();
        _metadata.Dispose();
    }

    private static string? ModuleName(ClrModule? module)
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

    private static string[]? TypeParameterNames(ClrType? type)
    {
        string[]? names = type?.EnumerateGenericParameters().Select(p => p.Name ?? "").ToArray();
        return names is { Length: > 0 } && names.All(n => n.Length > 0) ? names : null;
    }

    // What ClrMD reads from a damaged or partial target (a dump without the image, metadata being unloaded) can fail:
    // the name or line is then less complete, never an error.
    private static T Guarded<T>(Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException or OverflowException or BadImageFormatException or InvalidDataException)
        {
            return fallback;
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
