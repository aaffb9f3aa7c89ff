using System.Runtime.CompilerServices;
using Corpus.Shapes;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// The <c>names</c> scenario: besides the two chains, one thread (or thread-pool work item) parked in each code
/// shape whose frame names the CLI must print as written: async methods (before and after their first await),
/// generic async methods, lambdas, local functions, iterators, async iterators, nested generic types, and one method
/// parked on two different lines.
/// </summary>
internal static class NamingScenario
{
    private static int _dummy;

    /// <summary>Starts every shape and returns once each has parked.</summary>
    public static void StartAndWait()
    {
        var s = new Shapes();
        var shapes = new List<Action>
        {
            () => new Outer<string>.Inner<int>().Method("a", 1, 2L, [], ref _dummy, out _, Guid.Empty, [1], new int[1, 1], null, (1, "x")),
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
            () => TwoLines(first: true),
            () => TwoLines(first: false),
        };

        foreach (Action shape in shapes)
        {
            new Thread(() => shape()) { IsBackground = true }.Start();
        }

        while (Probe.Parked < shapes.Count)
        {
            Thread.Sleep(1);
        }
    }

    /// <summary>One method, parked on two lines: grouped by method its frame has no single line.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TwoLines(bool first)
    {
        if (first)
        {
            Probe.Here(); // first line
        }
        else
        {
            Probe.Here(); // second line
        }
    }

    private static unsafe void CallPointers()
    {
        byte b = 0;
        Span<byte> span = default;
        new Shapes().Pointers(&b, ref span);
    }
}
