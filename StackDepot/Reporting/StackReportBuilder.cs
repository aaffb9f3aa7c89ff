namespace StackDepot.Reporting;

/// <summary>
/// Accumulates values per stack in a <see cref="Depot"/> (each distinct stack stored once, keyed by its
/// <see cref="StackHandle"/>) and turns them into a sorted <see cref="StackReport"/> with a top-N and a minimum-value
/// cut. Each distinct frame id is symbolized once, when a report is first built.
/// </summary>
/// <remarks>Not thread-safe: one thread adds and builds (the depot itself may be shared).</remarks>
public sealed class StackReportBuilder
{
    /// <summary>Pass as a thread id when the value does not belong to a thread.</summary>
    public const int NoThread = -1;

    private readonly Depot _depot;
    private readonly Func<ulong, ReportFrame> _symbolize;
    private readonly Dictionary<ulong, ReportFrame> _frames = [];
    private readonly Dictionary<StackHandle, Accumulator> _stacks = [];
    private readonly long[] _dropped;
    private long _droppedStacks;

    /// <summary>Creates a builder over <paramref name="depot"/>.</summary>
    /// <param name="depot">The depot that stores the stacks. Stacks are saved persistently (<see cref="SaveFlags.None"/>).</param>
    /// <param name="valueTypes">The value types of the report; the first one is the sort key.</param>
    /// <param name="symbolize">Turns a frame id into a frame; called once per distinct id.</param>
    /// <exception cref="ArgumentException"><paramref name="valueTypes"/> is empty.</exception>
    public StackReportBuilder(Depot depot, IReadOnlyList<ReportValueType> valueTypes, Func<ulong, ReportFrame> symbolize)
    {
        ArgumentNullException.ThrowIfNull(depot);
        ArgumentNullException.ThrowIfNull(valueTypes);
        ArgumentNullException.ThrowIfNull(symbolize);
        if (valueTypes.Count == 0)
        {
            throw new ArgumentException("At least one value type is needed.", nameof(valueTypes));
        }

        _depot = depot;
        ValueTypes = [.. valueTypes];
        _symbolize = symbolize;
        _dropped = new long[ValueTypes.Count];
    }

    /// <summary>The value types of the reports this builder makes.</summary>
    public IReadOnlyList<ReportValueType> ValueTypes { get; }

    /// <summary>Names the threads of each entry when a report is built (<see cref="StackReportEntry.Threads"/>); null
    /// leaves them unnamed. Return null for a thread without a name.</summary>
    public Func<int, ReportThread?>? DescribeThread { get; set; }

    /// <summary>Distinct stacks seen so far (the empty stack counts as one).</summary>
    public int DistinctStacks => _stacks.Count;

    /// <summary>Additions whose stack the depot could not store (it was full); their values count in the totals only.</summary>
    public long DroppedStacks => _droppedStacks;

    /// <summary>Saves <paramref name="frames"/> in the depot and adds <paramref name="values"/> to that stack.</summary>
    /// <param name="frames">Frame ids, innermost first. An empty span is counted as the empty stack.</param>
    /// <param name="values">One value per value type.</param>
    /// <param name="threadId">The thread seen on this stack, or <see cref="NoThread"/>.</param>
    /// <returns>The stack's handle; <see cref="StackHandle.None"/> for the empty stack or when the depot was full.</returns>
    public StackHandle Add(ReadOnlySpan<ulong> frames, ReadOnlySpan<long> values, int threadId = NoThread)
    {
        StackHandle handle = _depot.Save(frames, SaveFlags.None);
        if (handle.IsNone && !frames.IsEmpty)
        {
            CheckValues(values);
            _droppedStacks++;
            for (int i = 0; i < _dropped.Length; i++)
            {
                _dropped[i] += values[i];
            }

            return handle;
        }

        Add(handle, values, threadId);
        return handle;
    }

    /// <summary>Saves <paramref name="frames"/> and adds one to the first value (and zero to the others).</summary>
    /// <param name="frames">Frame ids, innermost first.</param>
    /// <param name="threadId">The thread seen on this stack, or <see cref="NoThread"/>.</param>
    /// <returns>The stack's handle, as <see cref="Add(ReadOnlySpan{ulong}, ReadOnlySpan{long}, int)"/>.</returns>
    public StackHandle Add(ReadOnlySpan<ulong> frames, int threadId = NoThread)
    {
        Span<long> one = stackalloc long[ValueTypes.Count];
        one[0] = 1;
        return Add(frames, one, threadId);
    }

    /// <summary>Adds <paramref name="values"/> to a stack already saved in the depot.</summary>
    /// <param name="handle">A handle from the builder's depot; <see cref="StackHandle.None"/> stands for the empty stack.</param>
    /// <param name="values">One value per value type.</param>
    /// <param name="threadId">The thread seen on this stack, or <see cref="NoThread"/>.</param>
    public void Add(StackHandle handle, ReadOnlySpan<long> values, int threadId = NoThread)
    {
        CheckValues(values);
        if (!_stacks.TryGetValue(handle, out Accumulator? accumulator))
        {
            accumulator = new Accumulator(ValueTypes.Count, _stacks.Count);
            _stacks.Add(handle, accumulator);
        }

        for (int i = 0; i < values.Length; i++)
        {
            accumulator.Values[i] += values[i];
        }

        if (threadId != NoThread)
        {
            accumulator.Threads[threadId] = accumulator.Threads.GetValueOrDefault(threadId) + values[0];
        }
    }

    /// <summary>Records the frame a frame id stands for, so that it is not symbolized again (useful when frames can
    /// only be symbolized while a target is attached).</summary>
    /// <param name="frameId">The frame id.</param>
    /// <param name="frame">The frame.</param>
    public void SetFrame(ulong frameId, ReportFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _frames[frameId] = frame;
    }

    /// <summary>True when <paramref name="frameId"/> has been symbolized (or set) already.</summary>
    /// <param name="frameId">The frame id.</param>
    /// <returns>Whether the frame is cached.</returns>
    public bool HasFrame(ulong frameId) => _frames.ContainsKey(frameId);

    /// <summary>Builds a report of the stacks added so far.</summary>
    /// <param name="title">The report title.</param>
    /// <param name="top">Keep at most this many stacks (the largest); 0 keeps all.</param>
    /// <param name="minValue">Keep only stacks whose first value is at least this.</param>
    /// <param name="properties">Header facts, in display order. A <c>distinct stacks</c> fact is added when absent.</param>
    /// <returns>The report; entries sorted by their first value, largest first, ties in first-seen order.</returns>
    public StackReport Build(string title, int top = 0, long minValue = 0, IReadOnlyDictionary<string, string>? properties = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfNegative(top);

        var totals = (long[])_dropped.Clone();
        var all = new List<KeyValuePair<StackHandle, Accumulator>>(_stacks);
        foreach (KeyValuePair<StackHandle, Accumulator> pair in all)
        {
            for (int i = 0; i < totals.Length; i++)
            {
                totals[i] += pair.Value.Values[i];
            }
        }

        all.Sort(static (a, b) =>
        {
            for (int i = 0; i < a.Value.Values.Length; i++)
            {
                int byValue = b.Value.Values[i].CompareTo(a.Value.Values[i]);
                if (byValue != 0)
                {
                    return byValue;
                }
            }

            return a.Value.Order.CompareTo(b.Value.Order);
        });

        var entries = new List<StackReportEntry>();
        int omitted = 0;
        foreach (KeyValuePair<StackHandle, Accumulator> pair in all)
        {
            if (pair.Value.Values[0] < minValue || (top > 0 && entries.Count >= top))
            {
                omitted++;
                continue;
            }

            int[] threads = [.. pair.Value.Threads.Keys];
            Array.Sort(threads);
            entries.Add(new StackReportEntry
            {
                Frames = Symbolize(pair.Key),
                Values = (long[])pair.Value.Values.Clone(),
                ThreadIds = threads,
                Threads = Describe(threads),
                ThreadValues = Array.ConvertAll(threads, id => pair.Value.Threads[id]),
                Handle = pair.Key,
            });
        }

        var facts = new Dictionary<string, string>();
        if (properties is not null)
        {
            foreach (KeyValuePair<string, string> property in properties)
            {
                facts[property.Key] = property.Value;
            }
        }

        facts.TryAdd("distinct stacks", _stacks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (_droppedStacks > 0)
        {
            facts.TryAdd("dropped stacks (depot full)", _droppedStacks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new StackReport
        {
            Title = title,
            ValueTypes = ValueTypes,
            Entries = entries,
            Totals = totals,
            OmittedEntries = omitted,
            Properties = facts,
        };
    }

    private List<ReportThread> Describe(int[] threadIds)
    {
        var threads = new List<ReportThread>();
        if (DescribeThread is null)
        {
            return threads;
        }

        foreach (int id in threadIds)
        {
            if (DescribeThread(id) is { } thread)
            {
                threads.Add(thread);
            }
        }

        return threads;
    }

    private ReportFrame[] Symbolize(StackHandle handle)
    {
        if (handle.IsNone)
        {
            return [];
        }

        ulong[] ids = _depot.Fetch(handle);
        var frames = new ReportFrame[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if (!_frames.TryGetValue(ids[i], out ReportFrame? frame))
            {
                frame = _symbolize(ids[i]);
                _frames.Add(ids[i], frame);
            }

            frames[i] = frame;
        }

        return frames;
    }

    private void CheckValues(ReadOnlySpan<long> values)
    {
        if (values.Length != ValueTypes.Count)
        {
            throw new ArgumentException($"Expected {ValueTypes.Count} values, got {values.Length}.", nameof(values));
        }
    }

    private sealed class Accumulator(int valueCount, int order)
    {
        public long[] Values { get; } = new long[valueCount];

        /// <summary>Per thread id, its part of the first value.</summary>
        public Dictionary<int, long> Threads { get; } = [];

        public int Order { get; } = order;
    }
}
