using System.Diagnostics.Metrics;

namespace StackDepot.Tests.Support;

/// <summary>Reads the current values of the "StackDepot" meter's observable instruments for one tagged source.</summary>
internal static class MeterReadings
{
    /// <summary>Instrument name to last observed value, for instruments named with <paramref name="prefix"/> whose
    /// tag <paramref name="tagKey"/> equals <paramref name="tagValue"/>.</summary>
    public static Dictionary<string, long> Read(string prefix, string tagKey, string tagValue)
    {
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "StackDepot" && instrument.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == tagKey && (string?)tag.Value == tagValue)
                {
                    seen[instrument.Name] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }
}
