using StackDepot.Reporting;
using StackDepot.Tracking;

namespace StackDepot.Pprof.Tests;

/// <summary>Files written by the formatter, read by <c>go tool pprof</c> (a pprof client nobody here wrote).</summary>
public sealed class GoToolPprofTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("stackdepot-pprof-");

    public void Dispose() => _dir.Delete(recursive: true);

    [GoFact]
    public void Top_shows_the_totals_and_the_leaf_frames_of_a_thread_profile()
    {
        string file = Save(PprofWriterTests.Threads(), "threads.pb.gz");
        string top = GoPprof.Run("-top", file);
        Assert.Contains("Type: threads", top, StringComparison.Ordinal);
        Assert.Contains("Stacks of Demo (pid 42)", top, StringComparison.Ordinal); // the comments
        Assert.Contains("Duration: 250ms", top, StringComparison.Ordinal);
        Assert.Contains("of 13 total", top, StringComparison.Ordinal);

        var rows = GoPprof.TopRows(top);
        Assert.Equal((7.0, 7.0), Row(rows, "System.Threading.Monitor.Wait(Object, Int32)"));
        Assert.Equal((3.0, 3.0), Row(rows, "System.Threading.Thread.Sleep(Int32)"));
        Assert.Equal((3.0, 3.0), Row(rows, "(no frames)"));
        Assert.Equal((0.0, 10.0), Row(rows, "System.Threading.Thread.StartCallback()"));
        Assert.Equal((0.0, 10.0), Row(rows, "Demo.Worker.Run()")); // one function for both of its frames
    }

    [GoFact]
    public void Traces_show_each_threads_stack_with_its_labels()
    {
        string traces = GoPprof.Run("-traces", Save(PprofWriterTests.Threads(), "threads.pb.gz"));
        string[] blocks = traces.Split("-----------+-------------------------------------------------------");
        string worker = Assert.Single(blocks, b => b.Contains("thread_id:  11", StringComparison.Ordinal));
        Assert.Contains("thread_name:  order-worker-0", worker, StringComparison.Ordinal);
        string[] frames = [.. worker.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.Contains(':', StringComparison.Ordinal))];
        Assert.Equal(["1   System.Threading.Monitor.Wait(Object, Int32)", "Demo.Queue.Take(Int32)", "Demo.Worker.Run()", "System.Threading.Thread.StartCallback()"], frames);
    }

    [GoFact]
    public void An_allocation_profile_reads_as_a_heap_profile_with_every_sample_index()
    {
        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });
        using var sampler = new AllocationSampler(depot, new AllocationSamplerOptions { SamplingRate = 1 });
        for (int i = 0; i < 10; i++)
        {
            Allocate(sampler, 3000);
        }

        string file = Save(sampler.GetReport(new AllocationReportOptions { Top = 0 }), "allocs.pb.gz");
        string space = GoPprof.Run("-top", "-sample_index=alloc_space", file);
        Assert.Contains("Type: alloc_space", space, StringComparison.Ordinal);
        var allocate = Assert.Single(GoPprof.TopRows(space), r => r.Name.StartsWith("StackDepot.Pprof.Tests.GoToolPprofTests.Allocate(", StringComparison.Ordinal));
        Assert.Equal(30000, allocate.Flat, 0.01 * 30000); // printed as 29.30kB

        string objects = GoPprof.Run("-top", "-sample_index=alloc_objects", file);
        Assert.Contains("of 10 total", objects, StringComparison.Ordinal);

        // The default sample type is the report's sort key.
        Assert.Contains("Type: alloc_space", GoPprof.Run("-top", file), StringComparison.Ordinal);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Allocate(AllocationSampler sampler, long bytes) => sampler.Record(bytes);

    private static (double Flat, double Cum) Row(List<(double Flat, double Cum, string Name)> rows, string name)
    {
        var row = Assert.Single(rows, r => r.Name == name);
        return (row.Flat, row.Cum);
    }

    private string Save(StackReport report, string name)
    {
        string path = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(path, Profiles.Write(report));
        return path;
    }
}
