using System.Globalization;
using System.Text.Json;

namespace StackDepot.Cli.Tests;

/// <summary>
/// Frame names and source lines of a real process: the target in its <c>names</c> scenario parks one thread in each
/// code shape of StackDepot.Tests/Naming/CorpusShapes.cs (async methods, lambdas, local functions, iterators,
/// generics). The same shapes are named in-process by the library's tests, with the same expected text.
/// </summary>
[Collection("cli")]
public sealed class NamingTests(NamesTargetFixture target) : IClassFixture<NamesTargetFixture>, IAsyncLifetime
{
    private const string Shapes = "Corpus.Shapes.Shapes.";

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every test leaves the target running: not stopped, answering.</summary>
    public Task DisposeAsync() => target.AssertRunningAsync();

    private string Pid => target.Pid.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Compiler_generated_frames_read_as_written_and_the_async_plumbing_is_folded()
    {
        List<JsonStack> stacks = await StacksAsync();
        string[] frames = [.. stacks.SelectMany(s => s.Frames).Distinct()];

        string[] expected =
        [
            "System.Threading.Monitor.Wait(object, int)",
            Shapes + "ClosureLambda()+lambda",
            Shapes + "StaticLambda()+lambda",
            Shapes + "InstanceLambda()+lambda",
            Shapes + "LocalFunction()+Local(int)",
            Shapes + "StaticLocalFunction()+StaticLocal(string)",
            Shapes + "LambdaInLocalFunction()+lambda",
            Shapes + "LambdaInLocalFunction()+LocalWithLambda()",
            Shapes + "GenericLambda<int>(int)+lambda",
            Shapes + "GenericLambda<T>(T)+lambda",
            Shapes + "PlainAsync(int)",
            Shapes + "ResumedAsync()",
            Shapes + "GenericAsync<int>(int)",
            Shapes + "GenericAsync<T>(T)",
            Shapes + "Iterator(int)",
            Shapes + "AsyncIterator(int)",
            Shapes + "AsyncLambdaHost()+lambda",
            Shapes + "AsyncLocalHost()+LocalAsync(int)",
            Shapes + "Pointers(byte*, ref Span<byte>)",
            Shapes + "get_Property()",
            Shapes + ".ctor(string)",
            "Corpus.Shapes.ValueShape.GetEnumerator()",
            "Corpus.Shapes.ValueShape.System.Collections.IEnumerable.GetEnumerator()",
            "Corpus.Shapes.GenericHost<T>.RunAsync(T)",
            "Corpus.Shapes.GenericHost<int>.RunAsync(int)",
            "Corpus.Shapes.GenericHost<T>.Lambda(T)+lambda",
            "Corpus.Shapes.Outer<TOuter>.Inner<int>.Method<long>(TOuter, int, long, List<long>, ref int, out string, in Guid, int[], int[,], int?, (int, string))",
            "Corpus.Shapes.Outer<int>.Inner<TInner>.Method<TMethod>(int, TInner, TMethod, List<TMethod>, ref int, out string, in Guid, int[], int[,], int?, (int, string))",
        ];
        foreach (string name in expected)
        {
            Assert.True(frames.Contains(name), $"no frame {name} in:\n{string.Join('\n', frames)}");
        }

        // No metadata syntax and no plumbing anywhere.
        foreach (string fragment in new[] { "`", "[[", "__Canon", "<>c", ">d__", ">b__", ">g__", " ByRef", "System.Object", "Int32",
                     "AsyncMethodBuilderCore", "AsyncStateMachineBox", "ExecutionContext.Run", "AwaitTaskContinuation" })
        {
            Assert.DoesNotContain(frames, f => f.Contains(fragment, StringComparison.Ordinal));
        }

        // Resumed by the thread pool: the state machine's body sits right on the dispatcher.
        JsonStack resumed = Reports.Single(stacks, Shapes + "ResumedAsync()");
        Reports.AssertInOrder(resumed.Frames, "Corpus.Shapes.Probe.Here()", Shapes + "ResumedAsync()");
        Assert.Equal("System.Threading.ThreadPoolWorkQueue.Dispatch()", resumed.Frames[Array.IndexOf(resumed.Frames, Shapes + "ResumedAsync()") + 1]);

        // Before its first await: the stub that started the state machine is one frame with it, right on its caller.
        JsonStack started = Reports.Single(stacks, Shapes + "PlainAsync(int)");
        Assert.Single(started.Frames, f => f.StartsWith(Shapes + "PlainAsync(", StringComparison.Ordinal));
        Assert.Equal("StackDepot.Cli.Tests.Target.NamingScenario.StartAndWait()+lambda", started.Frames[Array.IndexOf(started.Frames, Shapes + "PlainAsync(int)") + 1]);
    }

    [Fact]
    public async Task The_eventpipe_engine_names_and_folds_frames_as_the_clrmd_engine_does()
    {
        // The runtime's method events name the methods; the plumbing is left out and stubs are folded all the same.
        List<JsonStack> stacks = await StacksAsync("--engine", "eventpipe", "--samples", "2", "--interval", "50");
        string[] frames = [.. stacks.SelectMany(s => s.Frames).Distinct()];
        foreach (string name in new[] { Shapes + "ResumedAsync()", Shapes + "PlainAsync(int)", Shapes + "ClosureLambda()+lambda", "System.Threading.Monitor.Wait(object, int)" })
        {
            Assert.True(frames.Contains(name), $"no frame {name} in:\n{string.Join('\n', frames)}");
        }

        foreach (string fragment in new[] { ">d__", ">b__", "class ", "int32", "AsyncMethodBuilderCore", "AsyncStateMachineBox", "ExecutionContext.Run" })
        {
            Assert.DoesNotContain(frames, f => f.Contains(fragment, StringComparison.Ordinal));
        }

        JsonStack resumed = Reports.Single(stacks, Shapes + "ResumedAsync()");
        Assert.Equal("System.Threading.ThreadPoolWorkQueue.Dispatch()", resumed.Frames[Array.IndexOf(resumed.Frames, Shapes + "ResumedAsync()") + 1]);
        JsonStack started = Reports.Single(stacks, Shapes + "PlainAsync(int)");
        Assert.Single(started.Frames, f => f.StartsWith(Shapes + "PlainAsync(", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Runtime_frames_show_the_plumbing_and_the_async_stub()
    {
        List<JsonStack> stacks = await StacksAsync("--runtime-frames");

        // The state machine's body and its stub both read PlainAsync(int); the builder's Start sits between them.
        JsonStack started = Reports.Single(stacks, "System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start<Shapes.<PlainAsync>");
        Reports.AssertInOrder(started.Frames, Shapes + "PlainAsync(int)", "System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start<", Shapes + "PlainAsync(int)");
        JsonStack resumed = Reports.Single(stacks, Shapes + "ResumedAsync()");
        Reports.AssertInOrder(resumed.Frames, Shapes + "ResumedAsync()", "System.Runtime.CompilerServices.AsyncTaskMethodBuilder<", "System.Threading.ThreadPoolWorkQueue.Dispatch()");
        Assert.Contains(resumed.Frames, f => f.Contains(".AsyncStateMachineBox<", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Raw_names_print_what_the_runtime_prints()
    {
        List<JsonStack> stacks = await StacksAsync("--raw-names");
        string[] frames = [.. stacks.SelectMany(s => s.Frames).Distinct()];

        Assert.Contains("System.Threading.Monitor.Wait(System.Object, Int32)", frames);
        Assert.Contains(frames, f => System.Text.RegularExpressions.Regex.IsMatch(f, @"^Corpus\.Shapes\.Shapes\+<ResumedAsync>d__\d+\.MoveNext\(\)$"));
        Assert.Contains(frames, f => System.Text.RegularExpressions.Regex.IsMatch(f, @"^Corpus\.Shapes\.Shapes\+<>c__DisplayClass\d+_0\.<ClosureLambda>b__0\(\)$"));
        Assert.DoesNotContain(frames, f => f.Contains("+lambda", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Frames_carry_the_source_line_from_the_targets_pdbs()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--top", "0");
        Assert.True(result.ExitCode == 0, result.ToString());
        JsonElement[] frames = Frames(result.StdOut);

        AssertLine(frames, "Corpus.Shapes.Probe.Here()", "Probe.cs", SourceLine("StackDepot.Cli.Tests.Target/Probe.cs", "Monitor.Wait(Gate);"));
        AssertLine(frames, Shapes + "ClosureLambda()+lambda", "CorpusShapes.cs",
            SourceLine("StackDepot.Tests/Naming/CorpusShapes.cs", "Probe.Here();", after: "public void ClosureLambda()"));
        AssertLine(frames, Shapes + "ResumedAsync()", "CorpusShapes.cs",
            SourceLine("StackDepot.Tests/Naming/CorpusShapes.cs", "Probe.Here();", after: "public async Task ResumedAsync()"));

        // The return address of this call is the first instruction of the next statement (return value;): the line
        // is the call's, found at the address before the return address.
        AssertLine(frames, "Corpus.Shapes.GenericHost<T>.RunAsync(T)", "CorpusShapes.cs",
            SourceLine("StackDepot.Tests/Naming/CorpusShapes.cs", "Probe.Here();", after: "public async Task<T> RunAsync(T value)"));

        // Grouped by method, a method seen on two lines has its file and no line; grouped by frame, each has its own.
        JsonElement[] twoLines = [.. frames.Where(f => f.GetProperty("name").GetString() == "StackDepot.Cli.Tests.Target.NamingScenario.TwoLines(bool)")];
        Assert.Equal(2, twoLines.Length); // one stack per caller, the same frame in both
        Assert.All(twoLines, f => Assert.EndsWith("NamingScenario.cs", f.GetProperty("file").GetString()!, StringComparison.Ordinal));
        Assert.All(twoLines, f => Assert.False(f.TryGetProperty("line", out _), f.ToString()));

        CliResult exact = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--top", "0", "--group-by", "frame");
        Assert.True(exact.ExitCode == 0, exact.ToString());
        int[] lines = [.. Frames(exact.StdOut)
            .Where(f => f.GetProperty("name").GetString()!.StartsWith("StackDepot.Cli.Tests.Target.NamingScenario.TwoLines(bool) + 0x", StringComparison.Ordinal))
            .Select(f => f.GetProperty("line").GetInt32()).Order()];
        Assert.Equal(
            [SourceLine("StackDepot.Cli.Tests.Target/NamingScenario.cs", "Probe.Here(); // first line"), SourceLine("StackDepot.Cli.Tests.Target/NamingScenario.cs", "Probe.Here(); // second line")],
            lines);

        // The text report prints them after the frame.
        CliResult text = await Cli.RunAsync("stacks", "--pid", Pid, "--top", "0");
        Assert.Contains(text.StdOut.Split('\n'), l => l.Contains("!Corpus.Shapes.Probe.Here()  at ", StringComparison.Ordinal) && l.EndsWith("Probe.cs:" + SourceLine("StackDepot.Cli.Tests.Target/Probe.cs", "Monitor.Wait(Gate);"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Grouping_by_frame_names_every_address()
    {
        CliResult result = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json", "--top", "0", "--group-by", "frame");
        Assert.True(result.ExitCode == 0, result.ToString());
        (_, List<JsonStack> stacks) = Reports.ParseJson(result.StdOut);

        // Frames the sampler adds (a thread without managed frames, in parentheses) have no address.
        Assert.All(stacks.SelectMany(s => s.Frames).Where(f => !f.StartsWith('(')), f => Assert.Matches(@" (\+ 0x[0-9a-f]+( \(cold\))?|@ 0x[0-9a-f]+)$", f));
    }

    private async Task<List<JsonStack>> StacksAsync(params string[] options)
    {
        CliResult result = await Cli.RunAsync(["stacks", "--pid", Pid, "--format", "json", "--top", "0", .. options]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Reports.ParseJson(result.StdOut).Stacks;
    }

    private static JsonElement[] Frames(string json) =>
        [.. JsonDocument.Parse(json).RootElement.GetProperty("stacks").EnumerateArray().SelectMany(s => s.GetProperty("frames").EnumerateArray()).Select(f => f.Clone())];

    private static void AssertLine(JsonElement[] frames, string name, string file, int line)
    {
        JsonElement frame = frames.First(f => f.GetProperty("name").GetString() == name);
        Assert.EndsWith(file, frame.GetProperty("file").GetString()!, StringComparison.Ordinal);
        Assert.Equal(line, frame.GetProperty("line").GetInt32());
    }

    /// <summary>The 1-based line of the first line holding <paramref name="text"/> (after the line holding
    /// <paramref name="after"/>, when given) in a source file of the repository.</summary>
    private static int SourceLine(string file, string text, string? after = null)
    {
        string[] lines = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, file));
        int start = after is null ? 0 : Array.FindIndex(lines, l => l.Contains(after, StringComparison.Ordinal));
        int at = Array.FindIndex(lines, Math.Max(start, 0), l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(start >= 0 && at >= 0, $"{text} not found in {file}");
        return at + 1;
    }
}
