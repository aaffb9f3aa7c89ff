using System.Reflection;
using Corpus.Shapes;
using StackDepot.Capture;
using StackDepot.Naming;

namespace StackDepot.Tests.Naming;

/// <summary>
/// With the assembly's metadata, a name parsed from ClrMD's string reads exactly as the in-process symbolizer names
/// the same method: the corpus rows of the shapes (captured from a build of the same source file) against this test
/// assembly, which compiles that file too.
/// </summary>
public class MetadataNameResolverTests
{
    private static readonly Assembly Shapes = typeof(Shapes).Assembly;

    [Fact]
    public void Every_shape_reads_as_in_process_once_metadata_fills_what_the_string_lacks()
    {
        using var resolver = new MetadataNameResolver();
        int compared = 0;
        foreach (ClrMdCorpusTests.CorpusRow row in ClrMdCorpusTests.CorpusRow.Load())
        {
            // Only the shapes' own methods, and only shared or non-generic code: a value-type instantiation
            // (GenericAsync<int>) prints its instantiation out of process and the definition in process.
            if (!row.Signature.StartsWith("Corpus.Shapes.", StringComparison.Ordinal) || row.Signature.StartsWith("Corpus.Shapes.Program", StringComparison.Ordinal)
                || row.Signature.Replace("[[System.__Canon, System.Private.CoreLib]]", "", StringComparison.Ordinal).Contains("[[", StringComparison.Ordinal)
                || FindMethod(row) is not MethodBase method)
            {
                continue;
            }

            string outOfProcess = ReadableNameFormatter.Format(Resolve(resolver, row, method));
            string inProcess = MethodNameFormatter.Format(method, readable: true);
            Assert.True(inProcess == outOfProcess, $"{row.Signature}\n  in process:     {inProcess}\n  out of process: {outOfProcess}");
            compared++;
        }

        Assert.True(compared >= 25, $"only {compared} rows compared");
    }

    [Fact]
    public void Metadata_names_shared_generic_parameters_and_out_and_in_and_keeps_the_runtimes_instantiation()
    {
        using var resolver = new MetadataNameResolver();
        ClrMdCorpusTests.CorpusRow[] rows = ClrMdCorpusTests.CorpusRow.Load();
        ClrMdCorpusTests.CorpusRow shared = rows.Single(r => r.Signature.StartsWith("Corpus.Shapes.Outer`1+Inner`1[[System.Int32", StringComparison.Ordinal));
        ClrMdCorpusTests.CorpusRow instantiated = rows.Single(r => r.Signature.StartsWith("Corpus.Shapes.Outer`1+Inner`1[[System.__Canon", StringComparison.Ordinal));

        Assert.Equal(
            "Corpus.Shapes.Outer<int>.Inner<TInner>.Method<TMethod>(int, TInner, TMethod, List<TMethod>, ref int, out string, in Guid, int[], int[,], int?, (int, string))",
            ReadableNameFormatter.Format(Resolve(resolver, shared, FindMethod(shared)!)));
        Assert.Equal(
            "Corpus.Shapes.Outer<TOuter>.Inner<int>.Method<long>(TOuter, int, long, List<long>, ref int, out string, in Guid, int[], int[,], int?, (int, string))",
            ReadableNameFormatter.Format(Resolve(resolver, instantiated, FindMethod(instantiated)!)));
    }

    [Fact]
    public void A_missing_file_another_build_or_a_foreign_token_leaves_the_parsed_name()
    {
        using var resolver = new MetadataNameResolver();
        MethodSyntax parsed = MetadataNameParser.TryParseSignature("Corpus.Shapes.Shapes+<ResumedAsync>d__6.MoveNext()")!;
        MethodBase moveNext = typeof(Shapes).GetNestedTypes(BindingFlags.NonPublic).Single(t => t.Name.StartsWith("<ResumedAsync>", StringComparison.Ordinal))
            .GetMethod("MoveNext", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)!;

        Assert.Same(parsed, resolver.Resolve(parsed, "/nonexistent/app.dll", Guid.Empty, moveNext.MetadataToken));
        Assert.Same(parsed, resolver.Resolve(parsed, Shapes.Location, Guid.NewGuid(), moveNext.MetadataToken));
        Assert.Same(parsed, resolver.Resolve(parsed, Shapes.Location, Guid.Empty, 0x02000001)); // a TypeDef token
        Assert.Same(parsed, resolver.Resolve(parsed, Shapes.Location, Guid.Empty, 0x06FFFFFF)); // no such row
        Assert.NotSame(parsed, resolver.Resolve(parsed, Shapes.Location, Shapes.ManifestModule.ModuleVersionId, moveNext.MetadataToken));
    }

    [Fact]
    public void The_codeview_id_ClrMD_reads_from_the_loaded_image_identifies_the_file_too()
    {
        // ClrMD gives the CodeView id (ClrModule.Pdb.Guid), not the MVID; checking it reads the file's debug directory.
        Guid codeView;
        using (var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(Shapes.Location)))
        {
            codeView = pe.ReadCodeViewDebugDirectoryData(pe.ReadDebugDirectory().First(e => e.Type == System.Reflection.PortableExecutable.DebugDirectoryEntryType.CodeView)).Guid;
        }

        using var resolver = new MetadataNameResolver();
        MethodSyntax parsed = MetadataNameParser.TryParseSignature("Corpus.Shapes.Shapes+<ResumedAsync>d__6.MoveNext()")!;
        MethodBase moveNext = typeof(Shapes).GetNestedTypes(BindingFlags.NonPublic).Single(t => t.Name.StartsWith("<ResumedAsync>", StringComparison.Ordinal))
            .GetMethod("MoveNext", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)!;

        Assert.NotEqual(Shapes.ManifestModule.ModuleVersionId, codeView);
        Assert.Equal("Corpus.Shapes.Shapes.ResumedAsync()", ReadableNameFormatter.Format(resolver.Resolve(parsed, Shapes.Location, codeView, moveNext.MetadataToken)));
        MethodSyntax plain = MetadataNameParser.TryParseSignature("Corpus.Shapes.Shapes+<PlainAsync>d__5.MoveNext()")!;
        MethodBase plainMoveNext = typeof(Shapes).GetNestedTypes(BindingFlags.NonPublic).Single(t => t.Name.StartsWith("<PlainAsync>", StringComparison.Ordinal))
            .GetMethod("MoveNext", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)!;
        Assert.Equal("Corpus.Shapes.Shapes.PlainAsync(int)", ReadableNameFormatter.Format(resolver.Resolve(plain, Shapes.Location, codeView, plainMoveNext.MetadataToken)));
    }

    private static MethodSyntax Resolve(MetadataNameResolver resolver, ClrMdCorpusTests.CorpusRow row, MethodBase method)
    {
        MethodSyntax parsed = MetadataNameParser.TryParseSignature(row.Signature, row.MethodName)!;
        parsed = new MethodSyntax
        {
            DeclaringType = parsed.DeclaringType,
            Name = parsed.Name,
            GenericArguments = parsed.GenericArguments,
            Parameters = parsed.Parameters,
            TypeParameterNames = row.TypeParameters.Length == 0 ? null : row.TypeParameters.Split(','),
        };
        return resolver.Resolve(parsed, Shapes.Location, Shapes.ManifestModule.ModuleVersionId, method.MetadataToken);
    }

    // The method of this assembly a corpus row names: the type by its reflection name, the method by name and arity.
    private static MethodBase? FindMethod(ClrMdCorpusTests.CorpusRow row)
    {
        MethodSyntax parsed = MetadataNameParser.TryParseSignature(row.Signature, row.MethodName)!;
        string typeName = parsed.DeclaringType!.Namespace + "." + string.Join('+', parsed.DeclaringType.Levels.Select(l => l.Arity > 0 ? $"{l.Name}`{l.Arity}" : l.Name));
        Type? type = Shapes.GetType(typeName);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        MethodBase[] candidates = [.. (type?.GetMethods(all) ?? []).Cast<MethodBase>().Concat(type?.GetConstructors(all) ?? [])
            .Where(m => m.Name == parsed.Name && m.GetParameters().Length == (parsed.Parameters?.Count ?? 0))];
        return candidates.Length == 1 ? candidates[0] : null;
    }
}
