// A job runner borrows database connections on several code paths. Every connection is tracked by a LeakTracker from
// its constructor to its Dispose. One path forgets to dispose when the remote side answers with an error; after the
// run, a garbage collection lets the tracker see the connections that died undisposed, and its report names the path.
//
//   dotnet run --project samples/LeakDiagnosis -c Release [-- --jobs N]

using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using StackDepot;
using StackDepot.Reporting;
using StackDepot.Tracking;

int jobs = 4_000;
if (args.Length == 2 && args[0] == "--jobs")
{
    jobs = int.Parse(args[1], CultureInfo.InvariantCulture);
}

using var depot = new Depot(new DepotOptions { Name = "leak-diagnosis" });
using var tracker = new LeakTracker(depot, new LeakTrackerOptions { Name = "connections" });
Connection.Tracker = tracker;

// The runner keeps the connections of its subscriptions open on purpose: those are outstanding, not leaked.
var runner = new JobRunner();
RunJobs(runner, jobs);

// Undisposed connections that nothing references any more are garbage; once collected, their tracking sentinels are
// finalized and count them as leaked. (A real service would simply let the GC run; the sample forces it to finish.)
GC.Collect();
GC.WaitForPendingFinalizers();

StackReport report = tracker.GetReport(new LeakReportOptions { IncludeSourceInfo = true, MaxStacks = 4 });
StackReportWriter.Write(report, ReportFormat.Text, Console.Out);

Console.WriteLine();
Console.WriteLine($"Ground truth: SendReminders returned early {runner.ForgottenConnections} times without disposing its connection.");
Console.WriteLine();
Console.WriteLine("The same figures as metrics (meter \"StackDepot\", visible to dotnet-counters and OpenTelemetry):");
using (var listener = new MeterListener())
{
    listener.InstrumentPublished = (instrument, l) =>
    {
        if (instrument.Meter.Name == "StackDepot" && instrument.Name.StartsWith("stackdepot.objects.", StringComparison.Ordinal))
        {
            l.EnableMeasurementEvents(instrument);
        }
    };
    listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Console.WriteLine($"  {instrument.Name,-30} {value,8:N0}"));
    listener.Start();
    listener.RecordObservableInstruments();
}

runner.Shutdown();
Console.WriteLine();
Console.WriteLine($"After shutdown: {tracker.GetCounts().Outstanding} outstanding, {tracker.GetCounts().Leaked} leaked.");
return 0;

// In its own frame, so that no local of Main keeps a connection alive.
[MethodImpl(MethodImplOptions.NoInlining)]
static void RunJobs(JobRunner runner, int jobs)
{
    var random = new Random(7);
    for (int i = 0; i < jobs; i++)
    {
        switch (random.Next(4))
        {
            case 0: runner.ExportInvoices(random); break;
            case 1: runner.SyncInventory(random); break;
            case 2: runner.SendReminders(random); break;
            default: runner.Subscribe(random); break;
        }
    }
}

/// <summary>A pooled resource: tracked from construction to disposal.</summary>
internal sealed class Connection : IDisposable
{
    private bool _disposed;

    public Connection(string target)
    {
        Target = target;
        Tracker?.Track(this);
    }

    public static LeakTracker? Tracker { get; set; }

    public string Target { get; }

    public bool Execute(Random random, int failPercent) => random.Next(100) >= failPercent;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Tracker?.Release(this);
    }
}

internal sealed class JobRunner
{
    private readonly List<Connection> _subscriptions = [];

    /// <summary>How often <see cref="SendReminders"/> took its leaking early return (the sample's ground truth).</summary>
    public int ForgottenConnections { get; private set; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public int ExportInvoices(Random random)
    {
        using var connection = new Connection("billing");
        return connection.Execute(random, failPercent: 5) ? 1 : 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public int SyncInventory(Random random)
    {
        var connection = new Connection("inventory");
        try
        {
            return connection.Execute(random, failPercent: 10) ? 1 : 0;
        }
        finally
        {
            connection.Dispose();
        }
    }

    // The bug: the early return on a failed send skips the Dispose at the end.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int SendReminders(Random random)
    {
        var connection = new Connection("mail");
        if (!connection.Execute(random, failPercent: 15))
        {
            ForgottenConnections++;
            return 0;
        }

        connection.Dispose();
        return 1;
    }

    // Long-lived on purpose: disposed at shutdown.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Subscribe(Random random)
    {
        if (_subscriptions.Count < 25)
        {
            var connection = new Connection("events");
            connection.Execute(random, failPercent: 0);
            _subscriptions.Add(connection);
        }
    }

    public void Shutdown()
    {
        foreach (Connection connection in _subscriptions)
        {
            connection.Dispose();
        }

        _subscriptions.Clear();
    }
}
