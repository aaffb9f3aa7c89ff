using System.IO.Compression;
using Google.Protobuf;
using StackDepot.Reporting;

namespace StackDepot.Pprof;

/// <summary>
/// The <c>pprof</c> report format: a gzip'd <c>profile.proto</c> message, as <c>go tool pprof</c>, Grafana Pyroscope
/// and Parca read it. Add it to a program's formats with <c>registry.Add(new PprofReportFormatter())</c>.
/// </summary>
/// <remarks>
/// <para>
/// Sample types follow the report's value types (see <c>docs/pprof.md</c>): thread reports (value type <c>threads</c> or
/// <c>samples</c>) give one sample type <c>threads/count</c>, with one sample per thread and stack labelled
/// <c>thread_id</c> and <c>thread_name</c> where the report knows them; reports with Go's heap value types
/// (<see cref="ReportValueType.AllocatedObjects"/>, <see cref="ReportValueType.AllocatedBytes"/>,
/// <see cref="ReportValueType.LiveObjects"/>, <see cref="ReportValueType.LiveBytes"/>) give those, in Go's order, and
/// nothing else; any other report gives every value type under its own name.
/// </para>
/// <para>
/// One Function per method (<see cref="ReportFrame.Method"/> in its module, with its source file and first line when
/// known), one Location per distinct frame (with its line when known), one Mapping per module; ids start at 1 and
/// string 0 is empty. The report's title and header facts are written as comments, its start time, duration and
/// period as <c>time_nanos</c>, <c>duration_nanos</c>, <c>period_type</c> and <c>period</c>. Stacks cut from the
/// report (top-N) are written as one sample <c>[N more stacks]</c> holding the rest of the totals, so that percentages
/// stay right; the format keeps every stack unless a cut is asked for.
/// </para>
/// </remarks>
public sealed class PprofReportFormatter : IReportFormatter
{
    /// <inheritdoc/>
    public string Name => "pprof";

    /// <inheritdoc/>
    public string Description => "gzip'd pprof profile.proto for go tool pprof, Pyroscope and Parca";

    /// <inheritdoc/>
    public bool KeepsAllStacks => true;

    /// <inheritdoc/>
    public bool IsBinary => true;

    /// <inheritdoc/>
    public void Write(StackReport report, Stream output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        Proto.Profile profile = PprofProfileBuilder.Build(report);
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            profile.WriteTo(gzip);
        }

        output.Flush();
    }
}
