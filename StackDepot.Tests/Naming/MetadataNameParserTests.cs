using StackDepot.Naming;

namespace StackDepot.Tests.Naming;

public class MetadataNameParserTests
{
    [Fact]
    public void A_runtime_signature_splits_into_type_method_instantiation_and_parameters()
    {
        MethodSyntax m = Parse(
            "Ns.Outer`1+Inner`1[[System.Int32, System.Private.CoreLib],[System.__Canon, System.Private.CoreLib]].Method[[System.Int64, System.Private.CoreLib]](Int32, System.String ByRef, Byte*, Int32[,])");

        TypeSyntax type = m.DeclaringType!;
        Assert.Equal("Ns", type.Namespace);
        Assert.Equal(["Outer", "Inner"], type.Levels.Select(l => l.Name));
        Assert.Equal("Int32", Assert.Single(type.Levels[0].Arguments).Levels[0].Name);
        Assert.True(Assert.Single(type.Levels[1].Arguments).IsCanon);
        Assert.Equal("Method", m.Name);
        Assert.Equal("Int64", Assert.Single(m.GenericArguments).Levels[0].Name);
        Assert.Equal(4, m.Parameters!.Count);
        Assert.True(m.Parameters[1].Type.IsByRef);
        Assert.Equal(TypeModifierKind.Pointer, Assert.Single(m.Parameters[2].Type.Modifiers).Kind);
        Assert.Equal(new TypeModifier(TypeModifierKind.Array, 2), Assert.Single(m.Parameters[3].Type.Modifiers));
    }

    [Theory]
    [InlineData("System.Threading.Tasks.Task`1[System.Int32]")]                                          // reflection, unqualified
    [InlineData("System.Threading.Tasks.Task`1[[System.Int32, System.Private.CoreLib, Version=10.0.0.0, Culture=neutral, PublicKeyToken=7cec85d7bea7798e]]")]
    [InlineData("System.Threading.Tasks.Task`1<System.Int32>")]                                           // runtime parameter lists
    [InlineData("System.Threading.Tasks.Task<System.Int32>")]                                             // ClrMD type names
    [InlineData("System.Threading.Tasks.Task`1<Int32>")]
    public void Every_way_of_writing_generic_arguments_gives_the_same_type(string text)
    {
        TypeSyntax type = MetadataNameParser.TryParseType(text)!;

        Assert.Equal("System.Threading.Tasks.Task<int>", Readable(type));
        Assert.Equal("System.Threading.Tasks.Task", type.DefinitionKey);
    }

    [Fact]
    public void Clrmd_type_names_put_arguments_on_each_level()
    {
        TypeSyntax type = MetadataNameParser.TryParseType(
            "System.Runtime.CompilerServices.AsyncTaskMethodBuilder<System.Int32>+AsyncStateMachineBox<Corpus.Shapes.Shapes+<GenericAsync>d__3<System.Int32>>")!;

        Assert.Equal("System.Runtime.CompilerServices.AsyncTaskMethodBuilder+AsyncStateMachineBox", type.DefinitionKey);
        TypeSyntax box = Assert.Single(type.Levels[1].Arguments);
        Assert.Equal(["Shapes", "<GenericAsync>d__3"], box.Levels.Select(l => l.Name));
        Assert.Equal("Int32", Assert.Single(box.Levels[1].Arguments).Levels[0].Name);
    }

    [Theory]
    [InlineData("<<Main>$>b__0_1", "Program+<>c.<<Main>$>b__0_1()")]
    [InlineData("<System.Collections.IEnumerable.GetEnumerator>d__4", "Ns.T+<System.Collections.IEnumerable.GetEnumerator>d__4.MoveNext()")]
    [InlineData("CS$<>8__locals1", "Ns.T+CS$<>8__locals1.Run()")]
    public void Generated_names_stay_whole_even_with_dots_inside(string generated, string signature)
    {
        MethodSyntax m = Parse(signature);

        Assert.Contains(generated, m.DeclaringType!.Levels.Select(l => l.Name).Append(m.Name));
    }

    [Fact]
    public void Constructors_and_explicit_implementations_split_where_the_method_name_starts()
    {
        Assert.Equal(".ctor", Parse("Ns.Type..ctor(System.String)").Name);
        Assert.Equal(".cctor", Parse("Ns.Type..cctor()").Name);
        Assert.Equal("Ns.Type", Parse("Ns.Type..ctor(System.String)").DeclaringType!.DefinitionKey);

        // With ClrMD's own method name the split is exact; its short names ("Execute") still split after the arguments.
        MethodSyntax exact = Parse("Ns.Conn.System.Threading.IThreadPoolWorkItem.Execute()", "System.Threading.IThreadPoolWorkItem.Execute");
        Assert.Equal("System.Threading.IThreadPoolWorkItem.Execute", exact.Name);
        Assert.Equal("Ns.Conn", exact.DeclaringType!.DefinitionKey);
        MethodSyntax shortName = Parse("Ns.Conn`1[[System.__Canon, System.Private.CoreLib]].System.Threading.IThreadPoolWorkItem.Execute()", "Execute");
        Assert.Equal("System.Threading.IThreadPoolWorkItem.Execute", shortName.Name);
        Assert.Equal("Ns.Conn", shortName.DeclaringType!.DefinitionKey);
    }

    [Fact]
    public void A_signature_without_a_parameter_list_has_unknown_parameters()
    {
        MethodSyntax m = Parse("Ns.Type.Method");

        Assert.Null(m.Parameters);
        Assert.Equal("Method", m.Name);
        Assert.Empty(Parse("Ns.Type.Method()").Parameters!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("(")]
    [InlineData("Ns.Type.Method(")]
    [InlineData("Ns.Type.Method(Int32")]
    [InlineData("Ns.Type`1[[System.Int32.Method()")]
    [InlineData("Ns.Type`x.Method()")]
    [InlineData("Ns.Type.Method(Int32,,Int32)")]
    [InlineData("Ns.Type.Method(<Unclosed)")]
    [InlineData("Ns.Type[[A, B].Method()")]
    public void Malformed_input_gives_null(string text)
    {
        Assert.Null(MetadataNameParser.TryParseSignature(text));
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_gives_null_not_a_stack_overflow()
    {
        string deep = string.Concat(Enumerable.Repeat("List`1<", 100_000)) + "Int32" + new string('>', 100_000);

        Assert.Null(MetadataNameParser.TryParseType(deep));
        Assert.NotNull(MetadataNameParser.TryParseType(string.Concat(Enumerable.Repeat("List`1<", 20)) + "Int32" + new string('>', 20)));
    }

    [Fact]
    public void Any_cut_or_mutation_of_real_names_parses_or_gives_null_but_never_throws()
    {
        var random = new Random(20260311);
        const string Structural = "<>[],`+.()* &|$";
        foreach (ClrMdCorpusTests.CorpusRow row in ClrMdCorpusTests.CorpusRow.Load())
        {
            string s = row.Signature;
            for (int cut = 0; cut <= s.Length; cut += Math.Max(1, s.Length / 40))
            {
                Describe(s[..cut]);
                Describe(s[cut..]);
            }

            for (int i = 0; i < 40; i++)
            {
                char[] chars = s.ToCharArray();
                chars[random.Next(chars.Length)] = Structural[random.Next(Structural.Length)];
                Describe(new string(chars));
            }
        }

        static void Describe(string text)
        {
            if (MetadataNameParser.TryParseSignature(text) is { } parsed)
            {
                Assert.NotEmpty(ReadableNameFormatter.Format(parsed));
            }
        }
    }

    private static MethodSyntax Parse(string signature, string? methodName = null) =>
        MetadataNameParser.TryParseSignature(signature, methodName) ?? throw new Xunit.Sdk.XunitException("unparsed: " + signature);

    private static string Readable(TypeSyntax type) =>
        ReadableNameFormatter.Format(new MethodSyntax { DeclaringType = type, Name = "M" })[..^4];
}
