using StackDepot.Reporting;

namespace StackDepot.Cli.Async;

/// <summary>
/// The frames of logical (async) stacks: async methods with their await state, the awaited things, and markers. Each
/// distinct (name, module) gets one 64-bit id, tagged so that it never equals a frame id of a thread stack (those are
/// MethodDesc addresses, instruction pointers, or ids tagged <c>0xff</c> in the top byte). Works without a target, so
/// the chain walk can be tested on graphs built by hand.
/// </summary>
internal sealed class AsyncFrameTable
{
    /// <summary>Tag of every id this table hands out (top byte <c>0xfe</c>).</summary>
    public const ulong Tag = 0xfe00_0000_0000_0000;

    /// <summary>The bits that hold the tag.</summary>
    public const ulong TagMask = 0xff00_0000_0000_0000;

    private readonly Dictionary<(string Name, string? Module), ulong> _ids = [];
    private readonly List<ReportFrame> _frames = [];

    public AsyncFrameTable()
    {
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

    /// <summary>Ends a chain on which a thread waits synchronously (<c>Wait()</c>, <c>.Result</c>, <c>GetResult()</c>).</summary>
    public ulong BlockingWait { get; }

    /// <summary>How many distinct frames the table holds.</summary>
    public int Count => _frames.Count;

    /// <summary>True when <paramref name="id"/> was handed out by an async frame table.</summary>
    public static bool Owns(ulong id) => (id & TagMask) == Tag;

    /// <summary>The id of the frame (name, module), adding it on first sight.</summary>
    public ulong Intern(string name, string? module)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_ids.TryGetValue((name, module), out ulong id))
        {
            id = Tag | (uint)_frames.Count;
            _ids.Add((name, module), id);
            _frames.Add(new ReportFrame(name, module));
        }

        return id;
    }

    /// <summary>The frame of an id from <see cref="Intern"/>.</summary>
    public ReportFrame Get(ulong id)
    {
        ulong index = id & ~TagMask;
        return Owns(id) && index < (ulong)_frames.Count
            ? _frames[(int)index]
            : new ReportFrame("0x" + id.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
    }
}
