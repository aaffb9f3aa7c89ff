namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// What one stop of a process copied: each stopped thread's registers and stack, the runtime's per-thread state that
/// belongs with them, the threads that could not be stopped (and why) and how long the process was stopped.
/// </summary>
internal sealed class ProcessCopy
{
    private readonly List<CopiedRange> _ranges = [];
    private ulong[] _starts = [];

    /// <summary>The stopped and copied threads by OS thread id.</summary>
    public Dictionary<int, ThreadCopy> Threads { get; } = [];

    /// <summary>Threads that could not be stopped or read.</summary>
    public List<UnreadableThread> Unreadable { get; } = [];

    /// <summary>Threads refused with EPERM while nothing else traced them (no permission to trace).</summary>
    public int Refused { get; set; }

    /// <summary>Threads seized but not stopped when the copy ended: they are released as soon as they stop.</summary>
    public int LeftToRelease { get; set; }

    /// <summary>Threads that exited between listing and stopping.</summary>
    public int Exited { get; set; }

    /// <summary>From the first thread asked to stop to the last one released: the longest any thread was stopped.</summary>
    public TimeSpan Stopped { get; set; }

    /// <summary>Adds a copied range (before <see cref="Seal"/>).</summary>
    public void Add(CopiedRange range)
    {
        if (!range.Bytes.IsEmpty)
        {
            _ranges.Add(range);
        }
    }

    /// <summary>Sorts the ranges for lookups; call once after the last <see cref="Add"/>.</summary>
    public void Seal()
    {
        _ranges.Sort(static (a, b) => a.Address.CompareTo(b.Address));
        _starts = _ranges.Select(r => r.Address).ToArray();
    }

    /// <summary>The copied range holding <paramref name="address"/>, if any, and otherwise the start of the next
    /// copied range above it (<see cref="ulong.MaxValue"/> when none).</summary>
    public bool TryFind(ulong address, out CopiedRange range, out ulong next)
    {
        int index = Array.BinarySearch(_starts, address);
        if (index < 0)
        {
            index = ~index - 1;
        }

        // Ranges may overlap (runtime thread objects next to each other): the one starting last below wins.
        if (index >= 0 && address < _ranges[index].End)
        {
            range = _ranges[index];
            next = 0;
            return true;
        }

        range = default;
        next = index + 1 < _starts.Length ? _starts[index + 1] : ulong.MaxValue;
        return false;
    }
}
