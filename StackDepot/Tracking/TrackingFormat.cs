using System.Globalization;
using StackDepot.Capture;
using StackDepot.Reporting;

namespace StackDepot.Tracking;

/// <summary>Number formatting and report plumbing shared by the sampler and the leak tracker.</summary>
internal static class TrackingFormat
{
    /// <summary>"1,234" (invariant culture, rounded).</summary>
    internal static string Count(double value) => Math.Round(value).ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"512 B", "3.5 KiB", "12.0 MiB", "1.2 GiB".</summary>
    internal static string Bytes(double value)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int unit = 0;
        double scaled = value;
        while (Math.Abs(scaled) >= 1024 && unit < units.Length - 1)
        {
            scaled /= 1024;
            unit++;
        }

        return unit == 0
            ? Math.Round(scaled).ToString("0", CultureInfo.InvariantCulture) + " B"
            : scaled.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>A frame symbolizer for <see cref="StackReportBuilder"/>.</summary>
    internal static Func<ulong, ReportFrame> FrameSource(Symbolizer? symbolizer, bool includeSourceInfo)
    {
        Symbolizer s = symbolizer ?? Symbolizer.Shared;
        return id => s.Symbolize(id, includeSourceInfo).ToReportFrame();
    }

    /// <summary>Copies an entry with a caption.</summary>
    internal static StackReportEntry WithCaption(StackReportEntry entry, string caption) => new()
    {
        Frames = entry.Frames,
        Values = entry.Values,
        ThreadIds = entry.ThreadIds,
        Handle = entry.Handle,
        Caption = caption,
    };
}
