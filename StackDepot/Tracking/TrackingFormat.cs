using StackDepot.Capture;
using StackDepot.Reporting;

namespace StackDepot.Tracking;

/// <summary>Number formatting and report plumbing shared by the sampler and the leak tracker.</summary>
internal static class TrackingFormat
{
    /// <summary>"1,234" (invariant culture, rounded).</summary>
    internal static string Count(double value) => ReportQuantity.Count(value);

    /// <summary>"512 B", "3.5 KiB", "12.0 MiB", "1.2 GiB".</summary>
    internal static string Bytes(double value) => ReportQuantity.Bytes(value);

    /// <summary>A frame symbolizer for <see cref="StackReportBuilder"/>.</summary>
    internal static Func<ulong, ReportFrame> FrameSource(Symbolizer? symbolizer, bool includeSourceInfo)
    {
        Symbolizer s = symbolizer ?? Symbolizer.Shared;
        return id => s.Symbolize(id, includeSourceInfo).ToReportFrame();
    }

    /// <summary>Copies an entry with a caption.</summary>
    internal static StackReportEntry WithCaption(StackReportEntry entry, string caption) => entry with { Caption = caption };
}
