using System.Globalization;
using System.IO.Compression;
using Google.Protobuf;
using StackDepot.Pprof.Proto;
using StackDepot.Reporting;

namespace StackDepot.Pprof;

/// <summary>
/// Reads a pprof profile (gzip'd or not) back into a <see cref="StackReport"/>: samples with the same stack become one
/// entry, their values summed. Reads what <see cref="PprofReportFormatter"/> writes (title and header facts come back
/// from its comments) and profiles from other producers, for example Go's heap profiles.
/// </summary>
public static class PprofReportReader
{
    /// <summary>The largest profile read (uncompressed), so that a hostile file cannot exhaust memory.</summary>
    public const int MaxProfileBytes = 512 << 20;

    /// <summary>True when <paramref name="start"/> (the first bytes of a file) looks like a gzip'd or plain pprof profile.</summary>
    /// <param name="start">At least the first two bytes of the file.</param>
    /// <returns>Whether the bytes start a gzip stream or a protobuf message whose first field is one of Profile's.</returns>
    public static bool LooksLikeProfile(ReadOnlySpan<byte> start) =>
        start.Length >= 2 && ((start[0] == 0x1f && start[1] == 0x8b) || start[0] is 0x0a or 0x12 or 0x1a or 0x22 or 0x2a or 0x32);

    /// <summary>Reads a profile.</summary>
    /// <param name="input">The profile, gzip'd (as pprof files are) or not; read to its end, not closed.</param>
    /// <returns>The report: one entry per distinct stack, largest first by the first sample type.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid pprof profile; the message says what is wrong.</exception>
    public static StackReport Read(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return new Converter(Parse(input)).Convert();
        }
        catch (TooLargeException e)
        {
            throw new InvalidDataException($"too large: more than {MaxProfileBytes >> 20} MiB uncompressed", e);
        }
    }

    private static Profile Parse(Stream input)
    {
        var buffer = new MemoryStream();
        CopyBounded(input, buffer);
        if (buffer.Length >= 2 && buffer.GetBuffer()[0] == 0x1f && buffer.GetBuffer()[1] == 0x8b)
        {
            buffer.Position = 0;
            var inflated = new MemoryStream();
            try
            {
                using var gzip = new GZipStream(buffer, CompressionMode.Decompress);
                CopyBounded(gzip, inflated);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException("not a pprof profile: its gzip data is corrupt (" + e.Message + ")", e);
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException("not a pprof profile: its gzip data is truncated", e);
            }

            buffer = inflated;
        }

        if (buffer.Length == 0)
        {
            throw new InvalidDataException("not a pprof profile: it is empty");
        }

        try
        {
            buffer.Position = 0;
            return Profile.Parser.ParseFrom(buffer);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException("not a pprof profile: " + e.Message, e);
        }
    }

    private static void CopyBounded(Stream from, MemoryStream to)
    {
        var chunk = new byte[1 << 16];
        int read;
        while ((read = from.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (to.Length + read > MaxProfileBytes)
            {
                throw new TooLargeException();
            }

            to.Write(chunk, 0, read);
        }
    }

    /// <summary>Checks a parsed profile and builds the report.</summary>
    private sealed class Converter(Profile profile)
    {
        private readonly Dictionary<ulong, Location> _locations = [];
        private readonly Dictionary<ulong, Function> _functions = [];
        private readonly Dictionary<ulong, Mapping> _mappings = [];
        private readonly Dictionary<ulong, ReportFrame[]> _frames = [];

        public StackReport Convert()
        {
            if (profile.StringTable.Count == 0 || profile.StringTable[0].Length != 0)
            {
                throw Invalid("its string table does not start with the empty string");
            }

            if (profile.SampleType.Count == 0)
            {
                throw Invalid("it has no sample types");
            }

            Index(profile.Mapping, m => m.Id, _mappings, "mapping");
            Index(profile.Function, f => f.Id, _functions, "function");
            Index(profile.Location, l => l.Id, _locations, "location");

            ReportValueType[] types = [.. profile.SampleType.Select(t => PprofSampleTypes.ToReport(String(t.Type), String(t.Unit)))];
            bool threads = types.Length == 1 && types[0] == PprofSampleTypes.Threads;
            var stacks = new Dictionary<string, Stack>(StringComparer.Ordinal);
            var order = new List<Stack>();
            var threadNames = new Dictionary<int, string>();
            foreach (Sample sample in profile.Sample)
            {
                if (sample.Value.Count != types.Length)
                {
                    throw Invalid($"a sample has {sample.Value.Count} values for {types.Length} sample types");
                }

                string key = string.Join(',', sample.LocationId);
                if (!stacks.TryGetValue(key, out Stack? stack))
                {
                    stack = new Stack(Frames(sample.LocationId), types.Length, order.Count);
                    stacks.Add(key, stack);
                    order.Add(stack);
                }

                for (int i = 0; i < types.Length; i++)
                {
                    stack.Values[i] += sample.Value[i];
                }

                if (threads && ThreadOf(sample, threadNames) is int thread)
                {
                    stack.Threads[thread] = stack.Threads.GetValueOrDefault(thread) + sample.Value[0];
                }
            }

            order.Sort(static (a, b) => b.Values[0] != a.Values[0] ? b.Values[0].CompareTo(a.Values[0]) : a.Order.CompareTo(b.Order));
            var totals = new long[types.Length];
            var entries = new List<StackReportEntry>(order.Count);
            foreach (Stack stack in order)
            {
                for (int i = 0; i < totals.Length; i++)
                {
                    totals[i] += stack.Values[i];
                }

                int[] ids = [.. stack.Threads.Keys.Order()];
                entries.Add(new StackReportEntry
                {
                    Frames = stack.Frames,
                    Values = stack.Values,
                    ThreadIds = ids,
                    ThreadValues = Array.ConvertAll(ids, id => stack.Threads[id]),
                });
            }

            (string title, Dictionary<string, string> properties) = Comments();
            return new StackReport
            {
                Title = title,
                ValueTypes = types,
                Entries = entries,
                Totals = totals,
                Properties = properties,
                StartTime = profile.TimeNanos > 0 && profile.TimeNanos / 100 <= (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks
                    ? DateTimeOffset.UnixEpoch.AddTicks(profile.TimeNanos / 100)
                    : null,
                Duration = profile.DurationNanos > 0 ? TimeSpan.FromTicks(profile.DurationNanos / 100) : null,
                PeriodType = profile.PeriodType is { } period ? PprofSampleTypes.ToReport(String(period.Type), String(period.Unit)) : null,
                Period = profile.Period,
                ThreadNames = threadNames,
            };
        }

        /// <summary>The first comment is the title (as the writer puts it); <c>key: value</c> comments are facts.</summary>
        private (string Title, Dictionary<string, string> Properties) Comments()
        {
            var properties = new Dictionary<string, string>();
            string? title = null;
            foreach (long index in profile.Comment)
            {
                string comment = String(index);
                int colon = comment.IndexOf(": ", StringComparison.Ordinal);
                if (title is null)
                {
                    title = comment;
                }
                else if (colon > 0)
                {
                    properties.TryAdd(comment[..colon], comment[(colon + 2)..]);
                }
            }

            return (title ?? "pprof profile", properties);
        }

        private int? ThreadOf(Sample sample, Dictionary<int, string> names)
        {
            int? id = null;
            string? name = null;
            foreach (Label label in sample.Label)
            {
                string key = String(label.Key);
                if (key == PprofProfileBuilder.ThreadIdLabel)
                {
                    id = label.Str != 0 && int.TryParse(String(label.Str), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed
                        : label.Str == 0 && label.Num is >= int.MinValue and <= int.MaxValue ? (int)label.Num
                        : id;
                }
                else if (key == PprofProfileBuilder.ThreadNameLabel && label.Str != 0)
                {
                    name = String(label.Str);
                }
            }

            if (id is int thread && name is not null)
            {
                names.TryAdd(thread, name);
            }

            return id;
        }

        /// <summary>The frames of a stack, innermost first: each location's lines, inlined callees first.</summary>
        private List<ReportFrame> Frames(IEnumerable<ulong> locationIds)
        {
            var frames = new List<ReportFrame>();
            foreach (ulong id in locationIds)
            {
                if (!_frames.TryGetValue(id, out ReportFrame[]? located))
                {
                    if (!_locations.TryGetValue(id, out Location? location))
                    {
                        throw Invalid($"a sample names location {id}, which the profile does not have");
                    }

                    located = Frames(location);
                    _frames.Add(id, located);
                }

                frames.AddRange(located);
            }

            return frames;
        }

        private ReportFrame[] Frames(Location location)
        {
            string? module = null;
            if (location.MappingId != 0)
            {
                if (!_mappings.TryGetValue(location.MappingId, out Mapping? mapping))
                {
                    throw Invalid($"location {location.Id} names mapping {location.MappingId}, which the profile does not have");
                }

                module = NullIfEmpty(String(mapping.Filename));
            }

            if (location.Line.Count == 0)
            {
                string address = "0x" + location.Address.ToString("x", CultureInfo.InvariantCulture);
                return [new ReportFrame(address, module, location.Address)];
            }

            var frames = new ReportFrame[location.Line.Count];
            for (int i = 0; i < frames.Length; i++)
            {
                Line line = location.Line[i];
                if (!_functions.TryGetValue(line.FunctionId, out Function? function))
                {
                    throw Invalid($"location {location.Id} names function {line.FunctionId}, which the profile does not have");
                }

                string name = String(function.Name);
                if (name.Length == 0)
                {
                    name = NullIfEmpty(String(function.SystemName)) ?? "0x" + location.Address.ToString("x", CultureInfo.InvariantCulture);
                }

                frames[i] = new ReportFrame(name, module, location.Address, NullIfEmpty(String(function.Filename)), (int)Math.Clamp(line.Line_, 0, int.MaxValue))
                {
                    MethodLine = (int)Math.Clamp(function.StartLine, 0, int.MaxValue),
                };
            }

            return frames;
        }

        private void Index<T>(IEnumerable<T> items, Func<T, ulong> id, Dictionary<ulong, T> into, string what)
        {
            foreach (T item in items)
            {
                ulong key = id(item);
                if (key == 0)
                {
                    throw Invalid($"a {what} has id 0");
                }

                if (!into.TryAdd(key, item))
                {
                    throw Invalid($"two {what}s have id {key}");
                }
            }
        }

        private string String(long index) =>
            index >= 0 && index < profile.StringTable.Count ? profile.StringTable[(int)index] : throw Invalid($"string index {index} is outside its string table ({profile.StringTable.Count} strings)");

        private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

        private static InvalidDataException Invalid(string what) => new("not a valid pprof profile: " + what);
    }

    /// <summary>One distinct stack while samples are summed.</summary>
    private sealed class Stack(List<ReportFrame> frames, int values, int order)
    {
        public List<ReportFrame> Frames { get; } = frames;

        public long[] Values { get; } = new long[values];

        public Dictionary<int, long> Threads { get; } = [];

        public int Order { get; } = order;
    }

    /// <summary>The profile (or its inflated form) is over <see cref="MaxProfileBytes"/>.</summary>
    private sealed class TooLargeException : Exception;
}
