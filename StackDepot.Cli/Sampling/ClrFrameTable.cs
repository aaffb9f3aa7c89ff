using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Turns ClrMD frames into 64-bit frame ids for the depot and symbolizes each distinct id once, while the target is
/// attached (ClrMD reads names from the target's memory). Ids: the MethodDesc address (group by method) or the
/// instruction pointer (group by frame); runtime frames get a tagged index of their interned name.
/// </summary>
internal sealed class ClrFrameTable(GroupBy groupBy, bool runtimeFrames)
{
    /// <summary>Tag of ids that are not addresses (runtime frames); user-space addresses never have the top byte set.</summary>
    private const ulong SyntheticTag = 0xff00_0000_0000_0000;

    private readonly Dictionary<ulong, ReportFrame> _frames = [];
    private readonly Dictionary<string, ulong> _syntheticIds = new(StringComparer.Ordinal);

    /// <summary>How many frames were symbolized (each distinct id once).</summary>
    public int Symbolized => _frames.Count;

    public GroupBy GroupBy { get; } = groupBy;

    public bool RuntimeFrames { get; } = runtimeFrames;

    /// <summary>The id of <paramref name="frame"/>, symbolizing it on first sight; false for frames left out.</summary>
    public bool TryIdentify(ClrStackFrame frame, out ulong id)
    {
        ClrMethod? method = frame.Method;
        if (frame.Kind == ClrStackFrameKind.ManagedMethod && method is not null)
        {
            id = GroupBy == GroupBy.Method ? method.MethodDesc : frame.InstructionPointer;
            if (!_frames.ContainsKey(id))
            {
                _frames.Add(id, SymbolizeManaged(method, frame.InstructionPointer));
            }

            return true;
        }

        if (!RuntimeFrames)
        {
            id = 0;
            return false;
        }

        string name = frame.Kind == ClrStackFrameKind.Runtime
            ? "[" + (frame.FrameName ?? "runtime frame") + "]"
            : "[" + (frame.Thread?.Runtime.GetJitHelperFunctionName(frame.InstructionPointer) ?? "native") + "]";
        if (frame.Kind != ClrStackFrameKind.Runtime && GroupBy == GroupBy.Frame)
        {
            name += " 0x" + frame.InstructionPointer.ToString("x", CultureInfo.InvariantCulture);
        }

        if (!_syntheticIds.TryGetValue(name, out id))
        {
            id = SyntheticTag | (uint)_syntheticIds.Count;
            _syntheticIds.Add(name, id);
            _frames.Add(id, new ReportFrame(name));
        }

        return true;
    }

    /// <summary>The frame of an id returned by <see cref="TryIdentify"/>.</summary>
    public ReportFrame Get(ulong id) =>
        _frames.TryGetValue(id, out ReportFrame? frame)
            ? frame
            : new ReportFrame("0x" + id.ToString("x", CultureInfo.InvariantCulture), null, id);

    private ReportFrame SymbolizeManaged(ClrMethod method, ulong ip)
    {
        string name = method.Signature ?? ((method.Type?.Name ?? "?") + "." + (method.Name ?? "?"));
        string? module = ModuleName(method.Type?.Module);
        if (GroupBy == GroupBy.Method)
        {
            return new ReportFrame(name, module);
        }

        HotColdRegions regions = method.HotColdInfo;
        ulong start = ip >= regions.HotStart && ip < regions.HotStart + regions.HotSize ? regions.HotStart
            : regions.ColdSize > 0 && ip >= regions.ColdStart ? regions.ColdStart
            : method.NativeCode;
        if (start != 0 && ip >= start)
        {
            name += " + 0x" + (ip - start).ToString("x", CultureInfo.InvariantCulture);
        }

        return new ReportFrame(name, module, ip);
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
}
