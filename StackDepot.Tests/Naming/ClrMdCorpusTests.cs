using StackDepot.Naming;

namespace StackDepot.Tests.Naming;

/// <summary>
/// The readable names of real method names: every frame ClrMD printed for the shapes workload and an ASP.NET Core app
/// under load (TestData/clrmd-method-names.tsv), formatted as the CLI formats them.
/// </summary>
public class ClrMdCorpusTests
{
    public static TheoryData<string, string, string, string> Corpus()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (CorpusRow row in CorpusRow.Load())
        {
            data.Add(row.Signature, row.MethodName, row.TypeParameters, row.Expected);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Every_corpus_name_formats_to_its_readable_form(string signature, string methodName, string typeParameters, string expected)
    {
        Assert.Equal(expected, CorpusRow.Format(signature, methodName, typeParameters));
    }

    [Fact]
    public void The_corpus_covers_every_rule()
    {
        // A guard on the data itself: a regenerated corpus that lost a shape would silently test less.
        CorpusRow[] rows = CorpusRow.Load();
        Assert.True(rows.Length >= 150, $"only {rows.Length} rows");
        string[] needed =
        [
            ".ProcessRequests<TContext>()", "+lambda", "+Local(int)", "+StaticLocal(string)", "+LocalAsync()",
            ".Iterator()", ".AsyncIterator()", ".GenericAsync<int>()", ".GenericAsync<T>()", "GenericHost<T>.Lambda(T)",
            "Program.Main(string[])", "(int, string)", "int?", "ref Span<byte>", "byte*", "int[,]",
            ".StartAcceptingConnectionsCore()+AcceptConnectionsAsync()", ".IThreadPoolWorkItem.Execute()",
        ];
        foreach (string fragment in needed)
        {
            Assert.True(rows.Any(r => r.Expected.Contains(fragment, StringComparison.Ordinal)), "no row reads " + fragment);
        }
    }

    [Fact]
    public void Readable_names_of_user_frames_carry_no_metadata_syntax()
    {
        foreach (CorpusRow row in CorpusRow.Load())
        {
            MethodDisplay display = CorpusRow.Describe(row.Signature, row.MethodName, row.TypeParameters);
            if (display.IsPlumbing)
            {
                continue; // plumbing frames keep state machine types in their generic arguments, and are folded away
            }

            foreach (string metadata in new[] { "`", "[[", "__Canon", "<>c", ">d__", ">b__", ">g__", " ByRef", "System.Int32", "Int32" })
            {
                Assert.DoesNotContain(metadata, display.Text, StringComparison.Ordinal);
            }

            // Nested types read with dots; a '+' only ever follows the written method (+lambda, +Local()).
            Assert.DoesNotContain('+', display.Text[..display.Text.IndexOf('(', StringComparison.Ordinal)]);
        }
    }

    [Fact]
    public void State_machine_bodies_share_their_stub_methods_written_name()
    {
        // The stub (PlainAsync(Int32)) calls the builder's Start, which calls the state machine's MoveNext: both name
        // the same written method, which is how a walker recognizes the pair.
        MethodDisplay stub = CorpusRow.Describe("Corpus.Shapes.Shapes.PlainAsync(Int32)", "PlainAsync", "");
        MethodDisplay body = CorpusRow.Describe("Corpus.Shapes.Shapes+<PlainAsync>d__5.MoveNext()", "MoveNext", "");
        Assert.False(stub.IsStateMachine);
        Assert.True(body.IsStateMachine);
        Assert.Equal("Corpus.Shapes.Shapes.PlainAsync", stub.WrittenMethod);
        Assert.Equal(stub.WrittenMethod, body.WrittenMethod);

        MethodDisplay kestrelStub = CorpusRow.Describe(
            "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol.ProcessRequests[[System.__Canon, System.Private.CoreLib]](Microsoft.AspNetCore.Hosting.Server.IHttpApplication`1<System.__Canon>)",
            "ProcessRequests[[System.__Canon, System.Private.CoreLib]]", "");
        MethodDisplay kestrelBody = CorpusRow.Describe(
            "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol+<ProcessRequests>d__237`1[[System.__Canon, System.Private.CoreLib]].MoveNext()",
            "MoveNext", "TContext");
        Assert.Equal(kestrelStub.WrittenMethod, kestrelBody.WrittenMethod);
    }

    [Fact]
    public void Plumbing_frames_of_the_corpus_are_exactly_the_async_machinery()
    {
        string[] plumbing = [.. CorpusRow.Load()
            .Where(r => CorpusRow.Describe(r.Signature, r.MethodName, r.TypeParameters).IsPlumbing)
            .Select(r => r.Expected)];

        Assert.Contains(plumbing, n => n.StartsWith("System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start<", StringComparison.Ordinal));
        Assert.Contains(plumbing, n => n.StartsWith("System.Runtime.CompilerServices.AsyncTaskMethodBuilder<int>.Start<", StringComparison.Ordinal));
        Assert.Contains(plumbing, n => n.Contains(".AsyncStateMachineBox<", StringComparison.Ordinal) && n.EndsWith(".MoveNext(Thread)", StringComparison.Ordinal));
        Assert.Contains("System.Threading.ExecutionContext.RunInternal(ExecutionContext, ContextCallback, object)", plumbing);
        Assert.Contains("System.Threading.Tasks.AwaitTaskContinuation.RunOrScheduleAction(IAsyncStateMachineBox, bool)", plumbing);
        Assert.Contains("System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification(Task, ConfigureAwaitOptions)", plumbing);

        // What a person wrote or called, and what says which thread this is, stays.
        Assert.DoesNotContain(plumbing, n => n.StartsWith("Corpus.", StringComparison.Ordinal) || n.StartsWith("Microsoft.", StringComparison.Ordinal));
        Assert.DoesNotContain("System.Runtime.CompilerServices.TaskAwaiter<int>.GetResult()", plumbing);
        Assert.DoesNotContain("System.Threading.ThreadPoolWorkQueue.Dispatch()", plumbing);
        Assert.DoesNotContain("System.Threading.Tasks.Task.RunContinuations(object)", plumbing);
    }

    internal sealed record CorpusRow(string Signature, string MethodName, string TypeParameters, string Expected)
    {
        public static CorpusRow[] Load() =>
        [
            .. File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "clrmd-method-names.tsv"))
                .Where(line => line.Length > 0 && !line.StartsWith('#'))
                .Select(line => line.Split('\t'))
                .Select(f => new CorpusRow(f[0], f[1], f[2], f[3])),
        ];

        /// <summary>As the CLI does: parse ClrMD's signature with its method name, add the type's parameter names.</summary>
        public static MethodDisplay Describe(string signature, string methodName, string typeParameters)
        {
            MethodSyntax parsed = MetadataNameParser.TryParseSignature(signature, methodName)
                ?? throw new InvalidOperationException("unparsed: " + signature);
            return ReadableNameFormatter.Describe(new MethodSyntax
            {
                DeclaringType = parsed.DeclaringType,
                Name = parsed.Name,
                GenericArguments = parsed.GenericArguments,
                Parameters = parsed.Parameters,
                TypeParameterNames = typeParameters.Length == 0 ? null : typeParameters.Split(','),
            });
        }

        public static string Format(string signature, string methodName, string typeParameters) =>
            Describe(signature, methodName, typeParameters).Text;
    }
}
