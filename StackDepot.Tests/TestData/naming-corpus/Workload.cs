// The corpus workload: runs every shape of StackDepot.Tests/Naming/CorpusShapes.cs on its own thread (or thread-pool
// work item) and parks it inside Probe.Here(), then prints "READY <pid>" and waits for a line on stdin.
// Built and run by generate.sh; not part of the test build.
namespace Corpus.Shapes;

public static class Probe
{
    private static readonly object Gate = new();
    private static int _parked;

    public static int Parked => Volatile.Read(ref _parked); // pairs with the increment in Here

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void Here()
    {
        lock (Gate)
        {
            Interlocked.Increment(ref _parked); // pairs with the read in Parked
            Monitor.Wait(Gate);
        }
    }
}

public static class Program
{
    public static void Main()
    {
        var s = new Shapes();
        var shapes = new List<Action>
        {
            () => new Outer<string>.Inner<int>().Method("a", 1, 2L, [], ref Dummy, out _, Guid.Empty, [1], new int[1, 1], null, (1, "x")),
            () => { int r = 0; new Outer<int>.Inner<string>().Method<object>(1, "b", new object(), [], ref r, out _, Guid.Empty, [1], new int[1, 1], 5, (1, "x")); },
            () => _ = new Shapes("park"),
            () => _ = s.Property,
            () => s.PlainAsync(1).GetAwaiter().GetResult(),
            () => s.ResumedAsync().GetAwaiter().GetResult(),
            () => s.GenericAsync("text").AsTask().GetAwaiter().GetResult(),
            () => s.GenericAsync(42).AsTask().GetAwaiter().GetResult(),
            s.ClosureLambda,
            s.StaticLambda,
            () => s.InstanceLambda(),
            s.LocalFunction,
            s.StaticLocalFunction,
            s.LambdaInLocalFunction,
            () => s.GenericLambda("text"),
            () => s.GenericLambda(42),
            () => { foreach (int _ in s.Iterator(1)) { } },
            () => Task.Run(async () => { await foreach (int _ in s.AsyncIterator(1)) { } }).GetAwaiter().GetResult(),
            () => s.AsyncLambdaHost().GetAwaiter().GetResult(),
            () => s.AsyncLocalHost().GetAwaiter().GetResult(),
            CallPointers,
            () => { foreach (int _ in new ValueShape()) { } },
            () => { foreach (object _ in (System.Collections.IEnumerable)new ValueShape()) { } },
            () => new GenericHost<string>().RunAsync("x").GetAwaiter().GetResult(),
            () => new GenericHost<int>().RunAsync(1).GetAwaiter().GetResult(),
            () => new GenericHost<Version>().Lambda(new Version()),
        };

        foreach (Action shape in shapes)
        {
            new Thread(() => shape()) { IsBackground = true }.Start();
        }

        while (Probe.Parked < shapes.Count)
        {
            Thread.Sleep(10);
        }

        Console.WriteLine($"READY {Environment.ProcessId}");
        Console.ReadLine();
    }

    private static int Dummy;

    private static unsafe void CallPointers()
    {
        byte b = 0;
        Span<byte> span = default;
        new Shapes().Pointers(&b, ref span);
    }
}
