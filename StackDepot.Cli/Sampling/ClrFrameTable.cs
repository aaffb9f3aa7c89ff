using System.Globalization;
using Microsoft.Diagnostics.Runtime;
using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Turns ClrMD frames into 64-bit frame ids for the depot and names each distinct id once, while the target is
/// attached (ClrMD reads names from the target's memory). Ids: the MethodDesc address (group by method) or the
/// instruction pointer (group by frame); runtime frames and the <c>(truncated)</c> marker get a tagged index of their
/// interned name. Source lines are found for every address seen (each once): a frame prints its line when all its
/// addresses were on that one line (always so when grouping by frame), else its file alone.
/// </summary>
internal sealed class ClrFrameTable : IDisposable
{
    /// <summary>The name of the frame that ends a stack cut at <c>--max-frames</c>, standing for the frames left out
    /// (so that folded stacks and flame graphs show no false root).</summary>
    public const string TruncatedName = "(truncated)";

    /// <summary>Tag of ids that are not addresses (runtime frames); user-space addresses never have the top byte set.</summary>
    private const ulong SyntheticTag = 0xff00_0000_0000_0000;

    private readonly Dictionary<ulong, Entry> _frames = [];
    private readonly Dictionary<string, ulong> _syntheticIds = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, SourceLine> _lineByAddress = [];
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

    /// <summary>How many frames were named (each distinct id once).</summary>
    public int Symbolized => _frames.Count;

    public GroupBy GroupBy { get; }

    public bool RuntimeFrames { get; }

    /// <summary>The id of the <see cref="TruncatedName"/> marker frame.</summary>
    public ulong TruncatedId => Synthetic(TruncatedName);

    /// <summary>The id of <paramref name="frame"/>, naming it on first sight; false for frames left out (runtime
    /// frames and async plumbing, unless <see cref="RuntimeFrames"/>).</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="isReturnAddress">The frame waits for a call to return (see <see cref="ClrFrameNamer.FindLine"/>).</param>
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
                ClrMethodName name = _namer.Name(clrMethod);
                string text = GroupBy == GroupBy.Method ? name.Text : name.Text + " " + ClrFrameNamer.CodeOffset(ip, clrMethod.HotColdInfo);
                entry = new Entry(name, text, ClrFrameNamer.ModuleName(clrMethod.Type?.Module), GroupBy == GroupBy.Method ? 0 : ip);
                _frames.Add(id, entry);
            }

            method = entry.Method;
            if (method!.IsPlumbing && !RuntimeFrames)
            {
                return false;
            }

            ulong address = isReturnAddress ? ip - 1 : ip;
            if (!_lineByAddress.TryGetValue(address, out SourceLine line))
            {
                line = _namer.FindLine(clrMethod, ip, isReturnAddress);
                _lineByAddress.Add(address, line);
            }

            entry.Saw(line);
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

    /// <summary>The frame of an id returned by <see cref="TryIdentify"/> or <see cref="TruncatedId"/>.</summary>
    public ReportFrame Get(ulong id) =>
        _frames.TryGetValue(id, out Entry? frame)
            ? frame.ToReportFrame()
            : new ReportFrame("0x" + id.ToString("x", CultureInfo.InvariantCulture), null, id);

    /// <summary>Closes the PDB readers.</summary>
    public void Dispose() => _namer.Dispose();

    private ulong Synthetic(string name)
    {
        if (!_syntheticIds.TryGetValue(name, out ulong id))
        {
            id = SyntheticTag | (uint)_syntheticIds.Count;
            _syntheticIds.Add(name, id);
            _frames.Add(id, new Entry(null, name, null, 0));
        }

        return id;
    }

    /// <summary>A named frame and the source lines its addresses were on.</summary>
    private sealed class Entry(ClrMethodName? method, string text, string? module, ulong address)
    {
        private string? _file;
        private int _line;
        private bool _severalLines;

        public ClrMethodName? Method { get; } = method;

        public void Saw(SourceLine line)
        {
            if (line.File is null || _severalLines || (line.File == _file && line.Line == _line))
            {
                return;
            }

            if (_file is null)
            {
                (_file, _line) = (line.File, line.Line);
            }
            else
            {
                _severalLines = true; // addresses on different lines merged into one frame: no line is the line
                _line = 0;
                _file = line.File == _file ? _file : null;
            }
        }

        public ReportFrame ToReportFrame() => new(text, module, address, _file, _line);
    }
}
