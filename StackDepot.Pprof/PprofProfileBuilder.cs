using System.Globalization;
using StackDepot.Pprof.Proto;
using StackDepot.Reporting;

namespace StackDepot.Pprof;

/// <summary>Turns a <see cref="StackReport"/> into a pprof <see cref="Profile"/> message (see <see cref="PprofReportFormatter"/>).</summary>
internal sealed class PprofProfileBuilder
{
    /// <summary>Label keys of thread profiles.</summary>
    internal const string ThreadIdLabel = "thread_id";
    internal const string ThreadNameLabel = "thread_name";

    private readonly Profile _profile = new();
    private readonly Dictionary<string, long> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Method, string? Module, string? File), Function> _functions = [];
    private readonly Dictionary<ReportFrame, ulong> _locations = [];
    private readonly Dictionary<string, Mapping> _mappings = new(StringComparer.Ordinal);

    private PprofProfileBuilder()
    {
        String(string.Empty); // entry 0 must be ""
    }

    /// <summary>The profile of <paramref name="report"/>.</summary>
    public static Profile Build(StackReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new PprofProfileBuilder().Add(report);
    }

    private Profile Add(StackReport report)
    {
        PprofSampleTypes types = PprofSampleTypes.Of(report);
        foreach (ReportValueType type in types.Types)
        {
            _profile.SampleType.Add(ValueType(type));
        }

        _profile.DefaultSampleType = String(types.DefaultType.Name);
        _profile.PeriodType = ValueType(types.PeriodType);
        _profile.Period = types.Period;
        if (report.StartTime is DateTimeOffset start)
        {
            _profile.TimeNanos = (start.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        }

        if (report.Duration is TimeSpan duration)
        {
            _profile.DurationNanos = duration.Ticks * 100;
        }

        _profile.Comment.Add(String(report.Title));
        foreach (KeyValuePair<string, string> property in report.Properties)
        {
            _profile.Comment.Add(String(property.Key + ": " + property.Value));
        }

        var shown = new long[report.ValueTypes.Count];
        foreach (StackReportEntry entry in report.Entries)
        {
            var locations = new List<ulong>(Math.Max(1, entry.Frames.Count));
            foreach (ReportFrame frame in entry.Frames.Count > 0 ? entry.Frames : [ReportFrame.NoFrames])
            {
                locations.Add(Location(frame));
            }

            for (int i = 0; i < shown.Length; i++)
            {
                shown[i] += entry.Values[i];
            }

            if (types.IsThreadProfile && PerThread(entry) is long[] perThread)
            {
                for (int t = 0; t < perThread.Length; t++)
                {
                    Sample sample = Sample(locations, [perThread[t]]);
                    int id = entry.ThreadIds[t];
                    sample.Label.Add(new Label { Key = String(ThreadIdLabel), Str = String(id.ToString(CultureInfo.InvariantCulture)) });
                    if (report.ThreadNames.TryGetValue(id, out string? name))
                    {
                        sample.Label.Add(new Label { Key = String(ThreadNameLabel), Str = String(name) });
                    }
                }
            }
            else
            {
                Sample(locations, Values(types, entry.Values));
            }
        }

        AddOmitted(report, types, shown);
        return _profile;
    }

    /// <summary>A sample for the stacks cut from the report, so that the profile's totals are the report's.</summary>
    private void AddOmitted(StackReport report, PprofSampleTypes types, long[] shown)
    {
        if (report.OmittedEntries == 0)
        {
            return;
        }

        var rest = new long[shown.Length];
        bool any = false;
        for (int i = 0; i < rest.Length; i++)
        {
            rest[i] = report.TotalOf(i) - shown[i];
            any |= rest[i] != 0;
        }

        if (any)
        {
            string name = report.OmittedEntries == 1 ? "[1 more stack]" : $"[{report.OmittedEntries.ToString(CultureInfo.InvariantCulture)} more stacks]";
            Sample([Location(new ReportFrame(name))], Values(types, rest));
        }
    }

    /// <summary>Each thread's part of a thread entry's value, when the parts are known and add up to it.</summary>
    private static long[]? PerThread(StackReportEntry entry)
    {
        int threads = entry.ThreadIds.Count;
        if (threads == 0)
        {
            return null;
        }

        if (entry.ThreadValues.Count == threads && entry.ThreadValues.Sum() == entry.Values[0])
        {
            return [.. entry.ThreadValues];
        }

        // One snapshot: every thread on the stack counts one.
        return entry.Values[0] == threads ? Enumerable.Repeat(1L, threads).ToArray() : null;
    }

    private static long[] Values(PprofSampleTypes types, long[] values)
    {
        var result = new long[types.Sources.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = values[types.Sources[i]];
        }

        return result;
    }

    private Sample Sample(List<ulong> locations, long[] values)
    {
        var sample = new Sample();
        sample.LocationId.AddRange(locations);
        sample.Value.AddRange(values);
        _profile.Sample.Add(sample);
        return sample;
    }

    private ulong Location(ReportFrame frame)
    {
        if (_locations.TryGetValue(frame, out ulong id))
        {
            return id;
        }

        id = (ulong)_profile.Location.Count + 1;
        var location = new Location
        {
            Id = id,
            MappingId = frame.Module is { Length: > 0 } module ? Mapping(module, frame).Id : 0,
            Address = frame.Address,
        };
        location.Line.Add(new Line { FunctionId = Function(frame).Id, Line_ = frame.Line });
        _profile.Location.Add(location);
        _locations.Add(frame, id);
        return id;
    }

    private Function Function(ReportFrame frame)
    {
        var key = (frame.Method, frame.Module, frame.File);
        if (!_functions.TryGetValue(key, out Function? function))
        {
            long name = String(frame.Method);
            function = new Function
            {
                Id = (ulong)_profile.Function.Count + 1,
                Name = name,
                SystemName = name,
                Filename = String(frame.File ?? string.Empty),
                StartLine = frame.MethodLine,
            };
            _profile.Function.Add(function);
            _functions.Add(key, function);
        }

        return function;
    }

    /// <summary>The mapping of a module (for .NET, an assembly). Every location of it is symbolized, so readers do
    /// not try to symbolize it themselves.</summary>
    private Mapping Mapping(string module, ReportFrame frame)
    {
        if (!_mappings.TryGetValue(module, out Mapping? mapping))
        {
            mapping = new Mapping
            {
                Id = (ulong)_profile.Mapping.Count + 1,
                Filename = String(module),
                HasFunctions = true,
            };
            _profile.Mapping.Add(mapping);
            _mappings.Add(module, mapping);
        }

        mapping.HasFilenames |= frame.File is { Length: > 0 };
        mapping.HasLineNumbers |= frame.Line > 0;
        return mapping;
    }

    private Proto.ValueType ValueType(ReportValueType type) => new() { Type = String(type.Name), Unit = String(type.Unit) };

    private long String(string value)
    {
        if (!_strings.TryGetValue(value, out long index))
        {
            index = _profile.StringTable.Count;
            _profile.StringTable.Add(value);
            _strings.Add(value, index);
        }

        return index;
    }
}
