using Corpus.Shapes;
using StackDepot.Capture;

namespace StackDepot.Tests.Naming;

/// <summary>
/// The in-process symbolizer names the corpus shapes in the same style as the CLI names them from ClrMD's strings
/// (TestData/clrmd-method-names.tsv, captured from the same source file): where both know the same facts the text is
/// identical; reflection adds what the strings lack (the parameters of the method a state machine implements, the
/// names of a method's generic parameters).
/// </summary>
public class InProcessNamingTests
{
    public static TheoryData<string, string, string?> Shapes() => new()
    {
        // shape, name in-process, the corpus row (ClrMD signature) that must read the same (null: see the comment)
        { "ClosureLambda", "Corpus.Shapes.Shapes.ClosureLambda()+lambda", "Corpus.Shapes.Shapes+<>c__DisplayClass8_0.<ClosureLambda>b__0()" },
        { "StaticLambda", "Corpus.Shapes.Shapes.StaticLambda()+lambda", "Corpus.Shapes.Shapes+<>c.<StaticLambda>b__9_0(System.Object)" },
        { "InstanceLambda", "Corpus.Shapes.Shapes.InstanceLambda()+lambda", "Corpus.Shapes.Shapes.<InstanceLambda>b__10_0(Int32)" },
        { "LocalFunction", "Corpus.Shapes.Shapes.LocalFunction()+Local(int)", "Corpus.Shapes.Shapes.<LocalFunction>g__Local|11_0(Int32, <>c__DisplayClass11_0 ByRef)" },
        { "StaticLocalFunction", "Corpus.Shapes.Shapes.StaticLocalFunction()+StaticLocal(string)", "Corpus.Shapes.Shapes.<StaticLocalFunction>g__StaticLocal|12_0(System.String)" },
        { "LambdaInLocalFunction", "Corpus.Shapes.Shapes.LambdaInLocalFunction()+lambda", "Corpus.Shapes.Shapes+<>c__DisplayClass13_0.<LambdaInLocalFunction>b__1()" },
        { "Iterator", "Corpus.Shapes.Shapes.Iterator(int)", null }, // out of process: Iterator() (the parameters are not in the state machine's name)
        { "Constructor", "Corpus.Shapes.Shapes..ctor(string)", "Corpus.Shapes.Shapes..ctor(System.String)" },
        { "Property", "Corpus.Shapes.Shapes.get_Property()", "Corpus.Shapes.Shapes.get_Property()" },
        { "Pointers", "Corpus.Shapes.Shapes.Pointers(byte*, ref Span<byte>)", "Corpus.Shapes.Shapes.Pointers(Byte*, System.Span`1<Byte> ByRef)" },
        { "StructIterator", "Corpus.Shapes.ValueShape.GetEnumerator()", "Corpus.Shapes.ValueShape+<GetEnumerator>d__0.MoveNext()" },
        { "ExplicitImplementation", "Corpus.Shapes.ValueShape.System.Collections.IEnumerable.GetEnumerator()", "Corpus.Shapes.ValueShape.System.Collections.IEnumerable.GetEnumerator()" },
        { "GenericHostLambda", "Corpus.Shapes.GenericHost<T>.Lambda(T)+lambda", null }, // out of process: Lambda()+lambda
        { "GenericLambda", "Corpus.Shapes.Shapes.GenericLambda<T>(T)+lambda", null }, // out of process: GenericLambda<T>()+lambda
        // Reflection resolves out, in and the generic method's parameter names that the runtime's strings do not carry.
        { "NestedGeneric", "Corpus.Shapes.Outer<TOuter>.Inner<TInner>.Method<TMethod>(TOuter, TInner, TMethod, List<TMethod>, ref int, out string, in Guid, int[], int[,], int?, (int, string))", null },
    };

    public static TheoryData<string, string, string?> AsyncShapes() => new()
    {
        { "PlainAsync", "Corpus.Shapes.Shapes.PlainAsync(int)", null }, // out of process: PlainAsync()
        { "ResumedAsync", "Corpus.Shapes.Shapes.ResumedAsync()", "Corpus.Shapes.Shapes+<ResumedAsync>d__6.MoveNext()" },
        { "GenericAsync", "Corpus.Shapes.Shapes.GenericAsync<T>(T)", null }, // out of process: GenericAsync<T>()
        { "AsyncIterator", "Corpus.Shapes.Shapes.AsyncIterator(int)", null }, // out of process: AsyncIterator()
        { "AsyncLambda", "Corpus.Shapes.Shapes.AsyncLambdaHost()+lambda", "Corpus.Shapes.Shapes+<>c+<<AsyncLambdaHost>b__17_0>d.MoveNext()" },
        { "AsyncLocalFunction", "Corpus.Shapes.Shapes.AsyncLocalHost()+LocalAsync(int)", null }, // out of process: +LocalAsync()
        { "GenericHostAsync", "Corpus.Shapes.GenericHost<T>.RunAsync(T)", null }, // out of process: GenericHost<T>.RunAsync()
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Synchronous_shapes_read_as_the_cli_reads_them(string shape, string expected, string? corpusSignature)
    {
        ulong frame = RunShape(shape);

        Assert.Equal(expected, Symbolizer.Shared.Symbolize(frame).Method);
        AssertSameAsCorpus(expected, corpusSignature);
    }

    [Theory]
    [MemberData(nameof(AsyncShapes))]
    public async Task Async_shapes_read_as_the_cli_reads_them(string shape, string expected, string? corpusSignature)
    {
        ulong frame = await RunAsyncShape(shape);

        Assert.Equal(expected, Symbolizer.Shared.Symbolize(frame).Method);
        AssertSameAsCorpus(expected, corpusSignature);
    }

    [Fact]
    public async Task Without_readable_names_the_compiler_names_stay()
    {
        using var raw = new Symbolizer(new SymbolizerOptions { ReadableNames = false });

        Assert.Matches(@"^Corpus\.Shapes\.Shapes\.<>c__DisplayClass\d+_0\.<ClosureLambda>b__0\(\)$", raw.Symbolize(RunShape("ClosureLambda")).Method);
        Assert.Matches(@"^Corpus\.Shapes\.Shapes\.<LocalFunction>g__Local\|\d+_0\(int, ref Shapes\.<>c__DisplayClass\d+_0\)$", raw.Symbolize(RunShape("LocalFunction")).Method);
        Assert.Matches(@"^Corpus\.Shapes\.Shapes\.<ResumedAsync>d__\d+\.MoveNext\(\)$", raw.Symbolize(await RunAsyncShape("ResumedAsync")).Method);
    }

    private static void AssertSameAsCorpus(string expected, string? corpusSignature)
    {
        if (corpusSignature is null)
        {
            return;
        }

        ClrMdCorpusTests.CorpusRow row = Assert.Single(ClrMdCorpusTests.CorpusRow.Load(), r => r.Signature == corpusSignature);
        Assert.Equal(expected, row.Expected);
        Assert.Equal(expected, ClrMdCorpusTests.CorpusRow.Format(row.Signature, row.MethodName, row.TypeParameters));
    }

    private static ulong RunShape(string shape)
    {
        var s = new Shapes();
        switch (shape)
        {
            case "ClosureLambda": s.ClosureLambda(); break;
            case "StaticLambda": s.StaticLambda(); break;
            case "InstanceLambda": s.InstanceLambda(); break;
            case "LocalFunction": s.LocalFunction(); break;
            case "StaticLocalFunction": s.StaticLocalFunction(); break;
            case "LambdaInLocalFunction": s.LambdaInLocalFunction(); break;
            case "Iterator": Assert.Single(s.Iterator(1)); break;
            case "Constructor": _ = new Shapes("x"); break;
            case "Property": _ = s.Property; break;
            case "Pointers": CallPointers(s); break;
            case "StructIterator": Assert.Empty(new ValueShape()); break;
            case "ExplicitImplementation": ((System.Collections.IEnumerable)new ValueShape()).GetEnumerator(); break;
            case "GenericHostLambda": new GenericHost<string>().Lambda("x"); break;
            case "GenericLambda": s.GenericLambda(42); break;
            case "NestedGeneric":
                int r = 0;
                new Outer<int>.Inner<string>().Method<long>(1, "b", 2L, [], ref r, out _, Guid.Empty, [1], new int[1, 1], 5, (1, "x"));
                break;
            default: throw new ArgumentException(shape);
        }

        return Probe.LastFrameOnThisThread;
    }

    private static async Task<ulong> RunAsyncShape(string shape)
    {
        var s = new Shapes();
        switch (shape)
        {
            case "PlainAsync":
                await s.PlainAsync(1); // Probe.Here runs before the first await, on this thread
                return Probe.LastFrame;
            case "ResumedAsync": await s.ResumedAsync(); break;
            case "GenericAsync": await s.GenericAsync("x"); break;
            case "AsyncIterator": await foreach (int _ in s.AsyncIterator(1)) { } break;
            case "AsyncLambda": await s.AsyncLambdaHost(); break;
            case "AsyncLocalFunction": await s.AsyncLocalHost(); break;
            case "GenericHostAsync": await new GenericHost<string>().RunAsync("x"); break;
            default: throw new ArgumentException(shape);
        }

        return Probe.LastFrame; // set on a thread-pool thread; the await above orders it before this read
    }

    private static unsafe void CallPointers(Shapes s)
    {
        byte b = 0;
        Span<byte> span = default;
        s.Pointers(&b, ref span);
    }
}
