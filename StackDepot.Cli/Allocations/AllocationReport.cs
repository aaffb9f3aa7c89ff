using System.Globalization;
using StackDepot.Cli.EventPipe;
using StackDepot.Cli.Sampling;
using StackDepot.Reporting;

namespace StackDepot.Cli.Allocations;

/// <summary>What an allocation report shows and sorts by.</summary>
internal enum AllocationView
{
    /// <summary>Everything allocated during the session, by estimated bytes (<c>alloc</c>).</summary>
    Allocated,

    /// <summary>What is still alive at the end, by estimated live bytes (<c>alloc --view live</c>).</summary>
    Live,

    /// <summary>Stacks whose sampled objects are still alive, by live bytes, with their growth per gen2 collection (<c>leaks</c>).</summary>
    Leaks,
}

/// <summary>
/// Turns what an <see cref="AllocationRecorder"/> saw into a <see cref="StackReport"/> for any format: the stacks of
/// return addresses are resolved to methods and merged (two call sites in one method are one frame) through a second
/// depot, each stack carries Go's four heap values (<see cref="ReportValueType.AllocatedObjects"/>,
/// <see cref="ReportValueType.AllocatedBytes"/>, <see cref="ReportValueType.LiveObjects"/>,
/// <see cref="ReportValueType.LiveBytes"/>, already scaled to estimates), and a caption with its types, share and
/// growth in the style of the in-process reports.
/// </summary>
internal static class AllocationReport
{
    /// <summary>How many type names a caption lists before "+N more".</summary>
    private const int TypesShown = 3;

    /// <summary>The value types of a view, the sort key first.</summary>
    public static IReadOnlyList<ReportValueType> ValueTypes(AllocationView view) => view == AllocationView.Allocated
        ? [ReportValueType.AllocatedBytes, ReportValueType.AllocatedObjects, ReportValueType.LiveBytes, ReportValueType.LiveObjects]
        : [ReportValueType.LiveBytes, ReportValueType.LiveObjects, ReportValueType.AllocatedBytes, ReportValueType.AllocatedObjects];

    /// <summary>Builds the report.</summary>
    /// <param name="recorder">What was recorded.</param>
    /// <param name="methods">Method ranges and names for the return addresses.</param>
    /// <param name="view">What to show.</param>
    /// <param name="title">The title.</param>
    /// <param name="top">Show at most this many stacks; 0 for all.</param>
    /// <param name="minSamples">Show only stacks with at least this many samples (live samples for the live views).</param>
    /// <param name="properties">Header facts from the session, in display order; the estimates are added after them.</param>
    /// <param name="namer">Names the methods (readable, or the runtime's names with <c>--raw-names</c>).</param>
    /// <param name="runtimeFrames">Keep the async plumbing and async methods' stubs (<c>--runtime-frames</c>).</param>
    public static StackReport Build(AllocationRecorder recorder, MethodMap methods, AllocationView view, string title, int top, long minSamples,
        IReadOnlyDictionary<string, string> properties, ClrFrameNamer namer, bool runtimeFrames = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        IReadOnlyList<ReportValueType> valueTypes = ValueTypes(view);
        using var depot = new Depot(new DepotOptions { MaxFrames = recorder.Depot.MaxFrames, Name = "stackdepot-alloc-methods" });
        var builder = new StackReportBuilder(depot, valueTypes, id => methods.Frame(id, namer));
        var merged = new Dictionary<StackHandle, Merged>();
        var raw = new ulong[recorder.Depot.MaxFrames];
        var resolved = new ulong[recorder.Depot.MaxFrames];
        long unresolvedFrames = 0;
        long frames = 0;
        double allocatedBytes = 0, liveBytes = 0;
        foreach (SampledSite site in recorder.Sites)
        {
            int count = 0;
            if (!site.Stack.IsNone && recorder.Depot.TryFetch(site.Stack, raw, out int rawCount))
            {
                // As thread stacks show them: the async plumbing left out, an async method's stub folded into its state machine.
                var stubs = new AsyncStubFolder();
                for (int i = 0; i < rawCount; i++)
                {
                    ulong id = methods.Resolve(raw[i]);
                    unresolvedFrames += (id & MethodMap.UnresolvedBit) != 0 ? 1 : 0;
                    if (!runtimeFrames && methods.Method(id, namer) is { } method && (method.IsPlumbing || stubs.Folds(method)))
                    {
                        continue;
                    }

                    resolved[count++] = id;
                }

                frames += rawCount;
            }

            long[] values = view == AllocationView.Allocated
                ? [Round(site.AllocatedBytes), Round(site.AllocatedObjects), Round(site.LiveBytes), Round(site.LiveObjects)]
                : [Round(site.LiveBytes), Round(site.LiveObjects), Round(site.AllocatedBytes), Round(site.AllocatedObjects)];
            StackHandle handle = builder.Add(resolved.AsSpan(0, count), values);
            if (!merged.TryGetValue(handle, out Merged? m))
            {
                merged[handle] = m = new Merged();
            }

            m.Add(site, recorder.GrowthPerGen2(site));
            allocatedBytes += site.AllocatedBytes;
            liveBytes += site.LiveBytes;
        }

        var facts = new Dictionary<string, string>();
        foreach (KeyValuePair<string, string> property in properties)
        {
            facts[property.Key] = property.Value;
        }

        facts["gen2 growth"] = recorder.Gen2Collections >= 2
            ? $"per stack: least-squares slope of its live bytes over {recorder.Gen2Collections} gen2 collections"
            : $"unknown ({recorder.Gen2Collections} gen2 collection{(recorder.Gen2Collections == 1 ? string.Empty : "s")} seen; two are needed)";
        if (unresolvedFrames > 0)
        {
            facts["unresolved frames"] = string.Create(CultureInfo.InvariantCulture,
                $"{unresolvedFrames} of {frames} (code the runtime's load and rundown events did not describe)");
        }

        facts["raw stacks"] = recorder.DistinctStacks.ToString("N0", CultureInfo.InvariantCulture) + " (distinct return-address stacks in the depot)";
        StackReport built = builder.Build(title, top: 0, minValue: 0, facts);
        bool live = view != AllocationView.Allocated;
        var entries = new List<StackReportEntry>();
        int omitted = 0;
        foreach (StackReportEntry entry in built.Entries)
        {
            Merged m = merged[entry.Handle];
            if (live && m.LiveSamples == 0)
            {
                continue; // nothing of it is alive: not a stack of this view, not one "more stack" left out
            }

            bool shown = (live ? m.LiveSamples : m.Samples) >= Math.Max(minSamples, live ? 1 : 0) && (top == 0 || entries.Count < top);
            if (!shown)
            {
                omitted++;
                continue;
            }

            entries.Add(new StackReportEntry
            {
                Frames = entry.Frames,
                Values = entry.Values,
                Handle = entry.Handle,
                Caption = Caption(view, m, entry.Values, live ? liveBytes : allocatedBytes, recorder.Gen2Collections >= 2, namer),
            });
        }

        return new StackReport
        {
            Title = built.Title,
            ValueTypes = built.ValueTypes,
            Entries = entries,
            Totals = built.Totals,
            OmittedEntries = omitted,
            Properties = built.Properties,
            PeriodType = ReportValueType.Space,
            Period = AllocationRecorder.RuntimeSamplingRate, // a pprof heap profile's period: mean bytes between samples
        };
    }

    private static string Caption(AllocationView view, Merged m, long[] values, double total, bool growthKnown, ClrFrameNamer namer)
    {
        string types = Types(m.TypeBytes, namer);
        string stack = m.HasStack ? "allocated at:" : "allocated at stacks not recorded (no stack, or the depot was full):";
        return view switch
        {
            AllocationView.Allocated =>
                $"~{ReportQuantity.Bytes(values[0])} in ~{ReportQuantity.Count(values[1])} objects ({types}; {ReportQuantity.Percent(values[0], total)} of bytes, {Samples(m.Samples)}) {stack}",
            AllocationView.Live =>
                $"~{ReportQuantity.Bytes(values[0])} in ~{ReportQuantity.Count(values[1])} objects ({types}) still alive ({ReportQuantity.Percent(values[0], total)} of live bytes, {Samples(m.LiveSamples)}; ~{ReportQuantity.Bytes(values[2])} allocated) {stack}",
            _ =>
                $"~{ReportQuantity.Bytes(values[0])} in ~{ReportQuantity.Count(values[1])} objects ({types}) still alive, " +
                (growthKnown ? $"{Signed(m.Growth)} per gen2 GC, " : string.Empty) + stack,
        };
    }

    /// <summary>"byte[]", or "byte[] 70.0%, string 30.0%" (by bytes), "+N more" past three; types named as frames are
    /// (the runtime's names with <c>--raw-names</c>).</summary>
    private static string Types(Dictionary<string, double> typeBytes, ClrFrameNamer namer)
    {
        if (typeBytes.Count == 0)
        {
            return "no type";
        }

        var named = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((string type, double bytes) in typeBytes)
        {
            string name = namer.TypeName(type);
            named[name] = named.GetValueOrDefault(name) + bytes;
        }

        List<KeyValuePair<string, double>> sorted = [.. named.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal)];
        if (sorted.Count == 1)
        {
            return sorted[0].Key;
        }

        double total = sorted.Sum(t => t.Value);
        string shown = string.Join(", ", sorted.Take(TypesShown).Select(t => t.Key + " " + Share(t.Value, total)));
        return sorted.Count > TypesShown ? $"{shown}, +{sorted.Count - TypesShown} more" : shown;
    }

    // A share that rounds to 0.0% but is not zero says so.
    private static string Share(double part, double total) =>
        part > 0 && total > 0 && part / total < 0.0005 ? "<0.1%" : ReportQuantity.Percent(part, total);

    private static string Samples(long count) => ReportQuantity.Count(count) + (count == 1 ? " sample" : " samples");

    private static string Signed(double bytes) => (bytes >= 0 ? "+" : "-") + ReportQuantity.Bytes(Math.Abs(bytes));

    private static long Round(double value) => (long)Math.Round(value);

    /// <summary>What the report keeps per merged (method) stack besides its values.</summary>
    private sealed class Merged
    {
        public long Samples { get; private set; }

        public long LiveSamples { get; private set; }

        public double Growth { get; private set; }

        public bool HasStack { get; private set; }

        public Dictionary<string, double> TypeBytes { get; } = new(StringComparer.Ordinal);

        public void Add(SampledSite site, double growth)
        {
            Samples += site.Samples;
            LiveSamples += site.LiveSamples;
            HasStack |= !site.Stack.IsNone;
            if (!double.IsNaN(growth))
            {
                Growth += growth; // the slope is linear in the live bytes: the merged stack's slope is the sum
            }

            foreach ((string type, double bytes) in site.TypeBytes)
            {
                TypeBytes[type] = TypeBytes.GetValueOrDefault(type) + bytes;
            }
        }
    }
}
