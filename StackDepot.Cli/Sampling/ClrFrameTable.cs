using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Turns ClrMD frames into 64-bit frame ids for the depot, reading each distinct id's method once while the target is
/// attached (ClrMD reads names from the target's memory), and names ids when a report is built, after the target is
/// released (metadata and PDBs are read from disk then). Ids: the MethodDesc address (group by method) or the
/// instruction pointer (group by frame); runtime frames and the <c>(truncated)</c> marker get a tagged index of their
/// interned name. A frame prints its source line when all its addresses were on that one line (always so when grouping
/// by frame), else its file alone.
/// </summary>
internal sealed class ClrFrameTable : IDisposable
{
    /// <summary>The name of the frame that ends a stack cut at <c>--max-frames</c>, standing for the frames left out
    /// (so that folded stacks and flame graphs show no false root).</summary>
    public const string TruncatedName = "(truncated)";

    /// <summary>Tag of ids that are not addresses (runtime frames); user-space addresses never have the top byte set.</summary>
    private const ulong SyntheticTag = 0xff00_0000_0000_0000;

    /// <summary>Distinct IL offsets kept per frame: two already tell that a method-grouped frame has no one line.</summary>
    private const int MaxLinesPerFrame = 64;

    private readonly Dictionary<ulong, Entry> _frames = [];
    private readonly Dictionary<string, ulong> _syntheticIds = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, int> _ilOffsetByAddress = [];
    private readonly ClrFrameNamer _namer;

    /// <summary>Creates a table.</summary>
    /// <param name="groupBy">How frames are keyed.</param>
    /// <param name="runtimeFrames">Keep runtime frames and the async plumbing (<c>--runtime-frames</c>).</param>
    /// <param name="rawNames">Print the runtime's method signatures unchanged (<c>--raw-names</c>).</param>
    /// <param name="fileSystemRoot">Prefix that makes the target's module paths readable here; null for none.</param>
    public ClrFrameTable(GroupBy groupBy, bool runtimeFrames, bool rawNames = false, string? fileSystemRoot = null)
    {
        GroupBy = groupBy;
        RuntimeFrames = runtimeFrames;
        _namer = new ClrFrameNamer(rawNames, fileSystemRoot);
    }

    /// <summary>Names methods as this table does (readable, or the runtime's names with <c>--raw-names</c>), also those
    /// known from elsewhere than ClrMD (the runtime's method events).</summary>
    public ClrFrameNamer Namer => _namer;

    /// <summary>How many frames were named (each distinct id once).</summary>
    public int Symbolized => _frames.Count;

    public GroupBy GroupBy { get; }

    public bool RuntimeFrames { get; }

    /// <summary>The id of the <see cref="TruncatedName"/> marker frame.</summary>
    public ulong TruncatedId => Synthetic(TruncatedName);

    /// <summary>The id of <paramref name="frame"/>, naming it on first sight; false for frames left out (runtime
    /// frames and async plumbing, unless <see cref="RuntimeFrames"/>).</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="isReturnAddress">The frame waits for a call to return (see <see cref="ClrFrameNamer.TryGetILOffset"/>).</param>
    /// <param name="id">The frame id.</param>
    /// <param name="method">For a managed frame, how its method reads; null for runtime frames.</param>
    public bool TryIdentify(ClrStackFrame frame, bool isReturnAddress, out ulong id, out ClrMethodName? method)
    {
        ClrMethod? clrMethod = frame.Method;
        if (frame.Kind == ClrStackFrameKind.ManagedMethod && clrMethod is not null)
        {
            ulong ip = frame.InstructionPointer;
            id = GroupBy == GroupBy.Method ? clrMethod.MethodDesc : ip;
            if (!_frames.TryGetValue(id, out Entry? entry))
            {
                entry = new Entry(_namer.Read(clrMethod), GroupBy == GroupBy.Method ? null : ClrFrameNamer.CodeOffset(ip, clrMethod.HotColdInfo), GroupBy == GroupBy.Method ? 0 : ip);
                _frames.Add(id, entry);
            }

            method = entry.Method;
            if (method!.IsPlumbing && !RuntimeFrames)
            {
                return false;
            }

            // Each address is mapped once (a read of the target's code map); later snapshots find it here.
            ulong address = isReturnAddress ? ip - 1 : ip;
            if (!_ilOffsetByAddress.TryGetValue(address, out int ilOffset))
            {
                ilOffset = ClrFrameNamer.TryGetILOffset(clrMethod, ip, isReturnAddress, out int found) ? found : -1;
                _ilOffsetByAddress.Add(address, ilOffset);
            }

            if (ilOffset >= 0 && entry.ILOffsets.Count < MaxLinesPerFrame)
            {
                entry.ILOffsets.Add(ilOffset);
            }

            return true;
        }

        method = null;
        if (!RuntimeFrames)
        {
            id = 0;
            return false;
        }

        string runtimeName = frame.Kind == ClrStackFrameKind.Runtime
            ? "[" + (frame.FrameName ?? "runtime frame") + "]"
            : "[" + (frame.Thread?.Runtime.GetJitHelperFunctionName(frame.InstructionPointer) ?? "native") + "]";
        if (frame.Kind != ClrStackFrameKind.Runtime && GroupBy == GroupBy.Frame)
        {
            runtimeName += " 0x" + frame.InstructionPointer.ToString("x", CultureInfo.InvariantCulture);
        }

        id = Synthetic(runtimeName);
        return true;
    }

    /// <summary>The frame of an id returned by <see cref="TryIdentify"/> or <see cref="TruncatedId"/> (call it after
    /// the target is released: it reads assembly metadata and PDBs from disk).</summary>
    public ReportFrame Get(ulong id)
    {
        if (!_frames.TryGetValue(id, out Entry? entry))
        {
            return new ReportFrame("0x" + id.ToString("x", CultureInfo.InvariantCulture), null, id);
        }

        if (entry.Method is not { } method)
        {
            return new ReportFrame(entry.SyntheticName!);
        }

        // Method: the name without offset, what per-function formats (pprof) group by; MethodLine: where it starts.
        string text = _namer.Text(method);
        (string? file, int line) = Line(entry);
        return new ReportFrame(entry.Offset is null ? text : text + " " + entry.Offset, method.Module, entry.Address, file, line)
        {
            Method = text,
            MethodLine = _namer.FindLine(method, 0).Line,
        };
    }

    /// <summary>The runtime's name of a frame (its method's signature as ClrMD reads it, or a runtime frame's name),
    /// without reading anything from disk: usable while the target is stopped.</summary>
    public string? RuntimeName(ulong id) => _frames.TryGetValue(id, out Entry? entry) ? entry.Method?.Raw ?? entry.SyntheticName : null;

    /// <summary>Closes the PDB readers.</summary>
    public void Dispose() => _namer.Dispose();

    // The line every address of the frame was on; only the file when they were on several lines.
    private (string? File, int Line) Line(Entry entry)
    {
        string? file = null;
        int line = 0;
        foreach (int ilOffset in entry.ILOffsets)
        {
            (string? f, int l) = _namer.FindLine(entry.Method!, ilOffset);
            if (f is null)
            {
                continue;
            }

            if (file is null)
            {
                (file, line) = (f, l);
            }
            else if (f != file || l != line)
            {
                return (f == file ? file : null, 0); // several lines merged into one frame: no line is the line
            }
        }

        return (file, line);
    }

    /// <summary>The id of a frame that is not a method (a runtime frame, a marker, a note such as the lock a thread is
    /// blocked on, or a frame the sampler adds such as a thread's label), interned by its name.</summary>
    public ulong Synthetic(string name)
    {
        if (!_syntheticIds.TryGetValue(name, out ulong id))
        {
            id = SyntheticTag | (uint)_syntheticIds.Count;
            _syntheticIds.Add(name, id);
            _frames.Add(id, new Entry(null, null, 0) { SyntheticName = name });
        }

        return id;
    }

    /// <summary>A frame: its method (null for runtime frames and markers), offset, and the IL offsets seen in it.</summary>
    private sealed class Entry(ClrMethodName? method, string? offset, ulong address)
    {
        public ClrMethodName? Method { get; } = method;

        public string? Offset { get; } = offset;

        public ulong Address { get; } = address;

        public string? SyntheticName { get; init; }

        public HashSet<int> ILOffsets { get; } = [];
    }
}
