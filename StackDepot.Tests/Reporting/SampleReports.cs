using StackDepot.Reporting;

namespace StackDepot.Tests.Reporting;

/// <summary>Reports with known content for the writer tests.</summary>
internal static class SampleReports
{
    internal static readonly ReportFrame Start = new("System.Threading.Thread.StartCallback()", "System.Private.CoreLib", 0x7f0000001000);
    internal static readonly ReportFrame Worker = new("Demo.Worker.Run() + 0x2a", "Demo", 0x7f0000002000);
    internal static readonly ReportFrame Take = new("Demo.Queue.Take(Int32) + 0x10", "Demo", 0x7f0000003000, "Queue.cs", 42);
    internal static readonly ReportFrame Wait = new("System.Threading.Monitor.Wait(Object, Int32)", "System.Private.CoreLib", 0x7f0000004000);
    internal static readonly ReportFrame Timer = new("Demo.Timer.Loop()", "Demo", 0x7f0000005000);
    internal static readonly ReportFrame Sleep = new("System.Threading.Thread.Sleep(Int32)", "System.Private.CoreLib", 0x7f0000006000);

    /// <summary>Two stacks sharing the root: 5 workers waiting on a queue, 3 timer threads sleeping; 2 omitted.</summary>
    internal static StackReport TwoStacks(int omitted = 0, long[]? totals = null) => new()
    {
        Title = "Stacks of Demo (pid 42)",
        ValueTypes = [ReportValueType.Threads],
        Entries =
        [
            new StackReportEntry
            {
                Frames = [Wait, Take, Worker, Start],
                Values = [5],
                ThreadIds = [11, 12, 13, 14, 15],
                Handle = new StackHandle(0x101),
            },
            new StackReportEntry
            {
                Frames = [Sleep, Timer, Start],
                Values = [3],
                ThreadIds = [21, 22, 23],
                Handle = new StackHandle(0x202),
            },
        ],
        Totals = totals ?? [8],
        OmittedEntries = omitted,
        Properties = new Dictionary<string, string> { ["pid"] = "42", ["process"] = "Demo" },
    };

    /// <summary>One allocation-style report with two value types and captions, with awkward frame names.</summary>
    internal static StackReport Allocations() => new()
    {
        Title = "Outstanding objects",
        ValueTypes = [ReportValueType.Bytes, ReportValueType.Objects],
        Entries =
        [
            new StackReportEntry
            {
                Frames = [new ReportFrame("Odd;Name\nWith break", "Demo"), Worker, Start],
                Values = [4096, 12],
                Caption = "12 objects (of 40 tracked) created at:",
                Handle = new StackHandle(7),
            },
            new StackReportEntry
            {
                Frames = [],
                Values = [100, 1],
            },
        ],
        Totals = [8192, 40],
    };
}
