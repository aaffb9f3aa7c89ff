using System.Globalization;

namespace StackDepot.Reporting;

/// <summary>
/// How reports write estimated quantities for people: counts with thousands separators, bytes in binary units,
/// percentages with one decimal (invariant culture). Shared by the in-process reports and the command line.
/// </summary>
public static class ReportQuantity
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>A count, rounded: <c>"1,234"</c>.</summary>
    /// <param name="value">The count (an estimate may be fractional).</param>
    /// <returns>The rounded count with thousands separators.</returns>
    public static string Count(double value) => Math.Round(value).ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A byte count in binary units: <c>"512 B"</c>, <c>"3.5 KiB"</c>, <c>"12.0 MiB"</c>, <c>"1.2 GiB"</c>.</summary>
    /// <param name="value">Bytes (may be negative, for a decrease).</param>
    /// <returns>The value with one decimal in the largest unit that keeps it at 1 or more.</returns>
    public static string Bytes(double value)
    {
        int unit = 0;
        double scaled = value;
        while (Math.Abs(scaled) >= 1024 && unit < Units.Length - 1)
        {
            scaled /= 1024;
            unit++;
        }

        return unit == 0
            ? Math.Round(scaled).ToString("0", CultureInfo.InvariantCulture) + " B"
            : scaled.ToString("0.0", CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>A share: <c>"12.3%"</c>, or <c>"-"</c> when <paramref name="total"/> is not positive.</summary>
    /// <param name="value">The part.</param>
    /// <param name="total">The whole.</param>
    /// <returns>The percentage with one decimal.</returns>
    public static string Percent(double value, double total) =>
        total <= 0 ? "-" : (100.0 * value / total).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
