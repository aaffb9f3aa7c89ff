using StackDepot.Cli.Sampling;
using StackDepot.Reporting;

namespace StackDepot.Cli.Async;

/// <summary>
/// The frames of logical (async) stacks: async methods with their await state, the awaited things, and markers. Each
/// distinct frame gets one 64-bit id, tagged so that it never equals a frame id of a thread stack (those are
/// MethodDesc addresses, instruction pointers, or ids tagged <c>0xff</c> in the top byte). Async methods are named by
/// the product's naming rules (<see cref="ClrFrameNamer"/>: <c>Harbor.Customs.InspectAsync(int)</c>, read while the
/// target is attached and completed from the assembly's metadata when a report is built); awaited things and markers
/// are plain names. Works without a target, so the chain walk can be tested on graphs built by hand.
/// </summary>
internal sealed class AsyncFrameTable : IDisposable
{
    /// <summary>Tag of every id this table hands out (top byte <c>0xfe</c>).</summary>
    public const ulong Tag = 0xfe00_0000_0000_0000;

    /// <summary>The bits that hold the tag.</summary>
    public const ulong TagMask = 0xff00_0000_0000_0000;

    private readonly Dictionary<(string Name, string? Module), ulong> _ids = [];
    private readonly List<Entry> _frames = [];
    private readonly bool _rawNames;
    private readonly string? _fileSystemRoot;
    private ClrFrameNamer? _namer;

    /// <summary>Creates a table; the markers get the first ids, the same in every table.</summary>
    /// <param name="rawNames">Name async methods as the runtime does (<c>--raw-names</c>).</param>
    /// <param name="fileSystemRoot">Prefix that makes the target's module paths readable here; null for none.</param>
    public AsyncFrameTable(bool rawNames = false, string? fileSystemRoot = null)
    {
        _rawNames = rawNames;
        _fileSystemRoot = fileSystemRoot;
        Cycle = Intern("[cycle in the continuation chain]", null);
        Broken = Intern("[broken continuation chain: unreadable object]", null);
        Truncated = Intern("[chain cut: longer than --max-frames]", null);
        BlockingWait = Intern("[sync-over-async: a thread blocks on this task]", null);
    }

    /// <summary>Ends a chain that came back to a task already on it (only a corrupt heap does that).</summary>
    public ulong Cycle { get; }

    /// <summary>Ends a chain whose next link could not be read.</summary>
    public ulong Broken { get; }

    /// <summary>Ends a chain cut at the frame limit.</summary>
    public ulong Truncated { get; }

    /// <summary>Ends a chain on which a thread waits synchronously (<c>Wait()</c>, <c>.Result</c>, <c>GetResult()</c>).
    /// No parentheses: pprof's readers cut them from names.</summary>
    public ulong BlockingWait { get; }

    /// <summary>The namer of async methods (created on first use).</summary>
    public ClrFrameNamer Namer => _namer ??= new ClrFrameNamer(_rawNames, _fileSystemRoot);

    /// <summary>True when <paramref name="id"/> was handed out by an async frame table.</summary>
    public static bool Owns(ulong id) => (id & TagMask) == Tag;

    /// <summary>The id of a frame named as given, adding it on first sight.</summary>
    public ulong Intern(string name, string? module)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_ids.TryGetValue((name, module), out ulong id))
        {
            id = Add(new Entry(new ReportFrame(name, module), null, null));
            _ids.Add((name, module), id);
        }

        return id;
    }

    /// <summary>The id of an async method's frame: the method read from its state machine's <c>MoveNext</c> (while the
    /// target is attached), and what follows the name (<c> (await state 1)</c>).</summary>
    public ulong Method(ClrMethodName method, string suffix)
    {
        ArgumentNullException.ThrowIfNull(method);
        string key = "\u0001" + method.Raw + suffix; // never a plain frame's name
        if (!_ids.TryGetValue((key, method.Module), out ulong id))
        {
            id = Add(new Entry(null, method, suffix));
            _ids.Add((key, method.Module), id);
        }

        return id;
    }

    /// <summary>The frame of an id (call it after the target is released: naming an async method reads the assembly's
    /// metadata from disk).</summary>
    public ReportFrame Get(ulong id)
    {
        ulong index = id & ~TagMask;
        if (!Owns(id) || index >= (ulong)_frames.Count)
        {
            return new ReportFrame("0x" + id.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }

        Entry entry = _frames[(int)index];
        if (entry.Frame is { } frame)
        {
            return frame;
        }

        string text = Namer.Text(entry.Method!);
        return new ReportFrame(text + entry.Suffix, entry.Method!.Module)
        {
            Method = text,
            MethodLine = Namer.FindLine(entry.Method!, 0).Line,
        };
    }

    /// <summary>Closes the namer's metadata and PDB readers.</summary>
    public void Dispose() => _namer?.Dispose();

    private ulong Add(Entry entry)
    {
        ulong id = Tag | (uint)_frames.Count;
        _frames.Add(entry);
        return id;
    }

    /// <summary>A frame: named as given, or an async method named when a report is built.</summary>
    private sealed record Entry(ReportFrame? Frame, ClrMethodName? Method, string? Suffix);
}
