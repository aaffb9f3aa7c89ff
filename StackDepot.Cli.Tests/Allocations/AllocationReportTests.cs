using StackDepot.Cli.Allocations;
using StackDepot.Cli.EventPipe;
using StackDepot.Cli.Sampling;
using StackDepot.Reporting;

namespace StackDepot.Cli.Tests.Allocations;

public sealed class AllocationReportTests
{
    [Fact]
    public void Allocation_stacks_leave_out_the_async_plumbing_and_fold_stubs_as_thread_stacks_do()
    {
        // An allocation in an async method, resumed by the thread pool: innermost first, as the event's stack lists it.
        var map = new MethodMap();
        map.AddModule(1, "/app/Shop.dll");
        map.AddModule(2, "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/System.Private.CoreLib.dll");
        (string Type, string Name, string Signature, ulong Module)[] methods =
        [
            ("Shop.Cart", "Fill", "instance void  (int32)", 1),
            ("Shop.Cart+<AddAsync>d__1", "MoveNext", "instance void  ()", 1),
            ("System.Runtime.CompilerServices.AsyncMethodBuilderCore", "Start", "void  (!!0&)", 2),
            ("Shop.Cart", "AddAsync", "instance class System.Threading.Tasks.Task  ()", 1),
            ("Shop.Program", "Main", "void  ()", 1),
            ("System.Threading.ExecutionContext", "RunInternal",
                "void  (class System.Threading.ExecutionContext,class System.Threading.ContextCallback,class System.Object)", 2),
            ("System.Threading.Thread", "StartCallback", "instance void  ()", 2),
        ];
        var stack = new ulong[methods.Length];
        for (int i = 0; i < methods.Length; i++)
        {
            ulong start = 0x10000 * (ulong)(i + 1);
            map.AddMethod((ulong)(i + 1), start, 0x100, methods[i].Type, methods[i].Name, methods[i].Signature, methods[i].Module);
            stack[i] = start + 0x10;
        }

        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });
        var recorder = new AllocationRecorder(depot);
        recorder.Record(stack, "System.Byte[]", 0, 4096, large: false);
        using var namer = new ClrFrameNamer(rawNames: false, fileSystemRoot: null);

        StackReport report = AllocationReport.Build(recorder, map, AllocationView.Allocated, "t", 0, 0, new Dictionary<string, string>(), namer);
        Assert.Equal(
            ["Shop.Cart.Fill(int)", "Shop.Cart.AddAsync()", "Shop.Program.Main()", "System.Threading.Thread.StartCallback()"],
            Assert.Single(report.Entries).Frames.Select(f => f.Name));

        Assert.Contains(" objects (byte[]; 100.0% of bytes, 1 sample) allocated at:", report.Entries[0].Caption, StringComparison.Ordinal);

        StackReport all = AllocationReport.Build(recorder, map, AllocationView.Allocated, "t", 0, 0, new Dictionary<string, string>(), namer, runtimeFrames: true);
        Assert.Equal(methods.Length, Assert.Single(all.Entries).Frames.Count);
    }

    [Fact]
    public void Live_views_leave_out_stacks_with_nothing_alive_without_counting_them_as_more_stacks()
    {
        var map = new MethodMap();
        map.AddModule(1, "/app/Shop.dll");
        map.AddMethod(1, 0x1000, 0x100, "Shop.Cache", "Keep", "void  ()", 1);
        map.AddMethod(2, 0x2000, 0x100, "Shop.Cache", "Drop", "void  ()", 1);
        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });
        var recorder = new AllocationRecorder(depot);
        recorder.Record([0x1010], "System.Byte[]", 0x10_0000, 4096, large: false);
        recorder.Record([0x2010], "System.Byte[]", 0x20_0000, 4096, large: false);
        recorder.Record([0x2010], "System.Byte[]", 0x30_0000, 4096, large: false);
        recorder.CollectionStarted(0, background: false);
        recorder.GenerationRange(0, 0, 0x100_0000);
        recorder.Survived(0x10_0000, 4096); // Keep's object survives; Drop's two die
        recorder.CollectionEnded();
        using var namer = new ClrFrameNamer(rawNames: false, fileSystemRoot: null);

        foreach (AllocationView view in new[] { AllocationView.Live, AllocationView.Leaks })
        {
            StackReport report = AllocationReport.Build(recorder, map, view, "t", 0, 0, new Dictionary<string, string>(), namer);
            Assert.Equal("Shop.Cache.Keep()", Assert.Single(Assert.Single(report.Entries).Frames).Name);
            Assert.Equal(0, report.OmittedEntries);
        }

        StackReport allocated = AllocationReport.Build(recorder, map, AllocationView.Allocated, "t", 1, 0, new Dictionary<string, string>(), namer);
        Assert.Equal(1, allocated.OmittedEntries); // --top 1 of two allocating stacks
    }

    [Fact]
    public void Captions_name_types_as_frames_are_named_and_mark_tiny_shares()
    {
        var map = new MethodMap();
        map.AddMethod(1, 0x1000, 0x100, "Shop.Cache", "Fill", "void  ()", 1);
        using var depot = new Depot(new DepotOptions { MaxFrames = 64 });
        var recorder = new AllocationRecorder(depot);
        for (int i = 0; i < 3000; i++)
        {
            recorder.Record([0x1010], "System.Byte[]", 0, 100_000, large: false);
        }

        recorder.Record([0x1010], "System.Func`3[System.String,System.Int64,System.Int64]", 0, 64, large: false);
        using var readable = new ClrFrameNamer(rawNames: false, fileSystemRoot: null);
        using var raw = new ClrFrameNamer(rawNames: true, fileSystemRoot: null);

        string caption = AllocationReport.Build(recorder, map, AllocationView.Allocated, "t", 0, 0, new Dictionary<string, string>(), readable).Entries[0].Caption!;
        Assert.Contains("(byte[] 100.0%, Func<string, long, long> <0.1%; ", caption, StringComparison.Ordinal);
        string rawCaption = AllocationReport.Build(recorder, map, AllocationView.Allocated, "t", 0, 0, new Dictionary<string, string>(), raw).Entries[0].Caption!;
        Assert.Contains("(System.Byte[] 100.0%, System.Func`3[System.String,System.Int64,System.Int64] <0.1%; ", rawCaption, StringComparison.Ordinal);
    }
}
