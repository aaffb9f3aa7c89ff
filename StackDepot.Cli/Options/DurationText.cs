using System.Globalization;

namespace StackDepot.Cli.Options;

/// <summary>Durations as users type them: <c>30s</c>, <c>1.5s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>; a bare number is seconds.</summary>
internal static class DurationText
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a positive duration.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string value = text.Trim();
        (string number, double seconds) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (value[..^2], 0.001),
            _ when value.EndsWith('s') || value.EndsWith('S') => (value[..^1], 1.0),
            _ when value.EndsWith('m') || value.EndsWith('M') => (value[..^1], 60.0),
            _ when value.EndsWith('h') || value.EndsWith('H') => (value[..^1], 3600.0),
            _ => (value, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount) ||
            amount <= 0 || amount * seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(amount * seconds);
        return duration > TimeSpan.Zero;
    }

    /// <summary>A duration as a user would type it (for help texts and messages): <c>100ms</c>, <c>10s</c>, <c>1.5s</c>,
    /// <c>2m</c>, <c>1h</c>.</summary>
    public static string AsTyped(TimeSpan duration)
    {
        double seconds = duration.TotalSeconds;
        return seconds switch
        {
            < 1 => duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms",
            _ when seconds % 3600 == 0 => (seconds / 3600).ToString(CultureInfo.InvariantCulture) + "h",
            _ when seconds % 60 == 0 => (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m",
            _ => seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s",
        };
    }

    /// <summary>A duration for messages: <c>500 ms</c>, <c>30.0 s</c>.</summary>
    public static string Format(TimeSpan duration) => duration.TotalSeconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s");
}
