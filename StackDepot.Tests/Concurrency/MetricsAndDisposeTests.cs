using System.Diagnostics.Metrics;
using StackDepot.Testing;

namespace StackDepot.Tests.Concurrency;

/// <summary>A metrics collection never throws into the collector, even when the depot is disposed under it.</summary>
[Collection(DepotRacesCollection.Name)]
public sealed class MetricsAndDisposeTests
{
    [Fact]
    public void A_depot_disposed_during_a_metrics_collection_does_not_throw_into_the_collector()
    {
        var depot = RaceDepots.Create();
        depot.Save(new StackPicker(depot).Any());
        string name = depot.Name;
        var seen = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "StackDepot" && instrument.Name.StartsWith("stackdepot.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "depot" && (string?)tag.Value == name)
                {
                    seen.Add(instrument.Name);
                }
            }
        });
        listener.Start();

        var collector = new Worker<bool>("metrics collector", () =>
        {
            listener.RecordObservableInstruments();
            return true;
        });
        using var script = new HookScript(depot);
        Park beforeSnapshot = script.Park(collector.Thread, DepotHookPoint.MetricsBeforeSnapshot, "the collector to be about to take the depot's snapshot");
        collector.Start();
        beforeSnapshot.WaitArrived();
        depot.Dispose();
        beforeSnapshot.Release();

        (bool done, Exception? error) = collector.JoinCatching();
        Assert.Null(error);
        Assert.True(done);
    }
}
