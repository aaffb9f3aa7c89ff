using StackDepot.Naming;

namespace StackDepot.Tests.Naming;

public class ReadableNameFormatterTests
{
    [Theory]
    // Parameter types: short, C# keywords, nullable and tuple syntax, modifiers.
    [InlineData("Ns.T.M(System.Boolean, Char, SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64)", "Ns.T.M(bool, char, sbyte, byte, short, ushort, int, uint, long, ulong)")]
    [InlineData("Ns.T.M(Single, Double, System.Decimal, System.String, System.Object, IntPtr, UIntPtr)", "Ns.T.M(float, double, decimal, string, object, nint, nuint)")]
    [InlineData("Ns.T.M(System.Nullable`1<System.DateTime>, System.ValueTuple`2<Int32,System.String>)", "Ns.T.M(DateTime?, (int, string))")]
    [InlineData("Ns.T.M(System.ValueTuple`8<Int32,Int32,Int32,Int32,Int32,Int32,Int32,System.ValueTuple`2<Int32,Int32>>)", "Ns.T.M((int, int, int, int, int, int, int, int, int))")]
    [InlineData("Ns.T.M(System.ValueTuple`1<Int32>)", "Ns.T.M(ValueTuple<int>)")]
    [InlineData("Ns.T.M(Int32[][], Int32*[], System.String[] ByRef, Byte**)", "Ns.T.M(int[][], int*[], ref string[], byte**)")]
    [InlineData("Ns.T.M(System.Collections.Generic.Dictionary`2<System.String,System.Collections.Generic.List`1<Int32>>)", "Ns.T.M(Dictionary<string, List<int>>)")]
    [InlineData("Ns.T.M(Ns.Outer`1+Inner<Int32>)", "Ns.T.M(Outer<T>.Inner<int>)")]
    // Declaring types: in full, nested with dots, no keywords for the type itself.
    [InlineData("System.String.Concat(System.String, System.String)", "System.String.Concat(string, string)")]
    [InlineData("Outer+Inner+Innermost.Run()", "Outer.Inner.Innermost.Run()")]
    [InlineData("System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.Int32, System.Private.CoreLib]].TryInsert(System.String, Int32, System.Collections.Generic.InsertionBehavior)", "System.Collections.Generic.Dictionary<string, int>.TryInsert(string, int, InsertionBehavior)")]
    // Compiler-generated code, named after what was written.
    [InlineData("Ns.T+<Run>d__3.MoveNext()", "Ns.T.Run()")]
    [InlineData("Ns.T+<Run>d__3.System.IDisposable.Dispose()", "Ns.T.Run()+System.IDisposable.Dispose()")]
    [InlineData("Ns.T+<>c.<Run>b__3_0(System.Object)", "Ns.T.Run()+lambda")]
    [InlineData("Ns.T+<>c__DisplayClass3_0.<Run>b__1()", "Ns.T.Run()+lambda")]
    [InlineData("Ns.T+<>c__DisplayClass3_0+<>c__DisplayClass3_1.<Run>b__2()", "Ns.T.Run()+lambda")]
    [InlineData("Ns.T.<.ctor>b__2_0()", "Ns.T..ctor()+lambda")]
    [InlineData("Ns.T.<Run>g__Check|3_0(Int32, <>c__DisplayClass3_0 ByRef)", "Ns.T.Run()+Check(int)")]
    [InlineData("Ns.T+<<Run>g__Check|3_0>d.MoveNext()", "Ns.T.Run()+Check()")]
    [InlineData("Ns.T+<>c+<<Run>b__3_0>d.MoveNext()", "Ns.T.Run()+lambda")]
    [InlineData("Program.<Main>$(System.String[])", "Program.Main(string[])")]
    [InlineData("Program.<<Main>$>g__Serve|0_1(Int32)", "Program.Main()+Serve(int)")]
    [InlineData("Ns.T+<>c__0`1[[System.Int32, System.Private.CoreLib]].<Run>b__0_0()", "Ns.T.Run<int>()+lambda")]
    // Names that only look generated are left alone.
    [InlineData("<PrivateImplementationDetails>.ComputeStringHash(System.String)", "<PrivateImplementationDetails>.ComputeStringHash(string)")]
    [InlineData("Ns.<>f__AnonymousType0`1[[System.Int32, System.Private.CoreLib]].ToString()", "Ns.<>f__AnonymousType0<int>.ToString()")]
    [InlineData("Ns.T.<Run>z__1()", "Ns.T.<Run>z__1()")]
    [InlineData("Ns.<Program>F1A2B3__Helper.Run()", "Ns.<Program>F1A2B3__Helper.Run()")]
    public void Formats_in_the_one_style(string signature, string expected)
    {
        Assert.Equal(expected, ReadableNameFormatter.Format(Parse(signature)));
    }

    [Fact]
    public void Shared_generic_code_shows_the_parameter_names_it_is_given_and_T_otherwise()
    {
        MethodSyntax m = Parse("Ns.Map`2[[System.__Canon, System.Private.CoreLib],[System.Int32, System.Private.CoreLib]].Get(System.__Canon)");

        Assert.Equal("Ns.Map<T1, int>.Get(T1)", ReadableNameFormatter.Format(m));
        Assert.Equal("Ns.Map<TKey, int>.Get(TKey)", ReadableNameFormatter.Format(With(m, typeParameters: ["TKey", "TValue"])));
        // Names that do not fit the type (a different count) are not used.
        Assert.Equal("Ns.Map<T1, int>.Get(T1)", ReadableNameFormatter.Format(With(m, typeParameters: ["TKey"])));
    }

    [Fact]
    public void A_canon_in_a_parameter_names_the_one_shared_parameter_and_is_a_question_mark_when_several_could_be_meant()
    {
        MethodSyntax one = Parse("Ns.Box`1[[System.__Canon, System.Private.CoreLib]].Set(System.Collections.Generic.List`1<System.__Canon>)");
        MethodSyntax two = Parse("Ns.Box`1[[System.__Canon, System.Private.CoreLib]].Set[[System.__Canon, System.Private.CoreLib]](System.__Canon)");

        Assert.Equal("Ns.Box<T>.Set(List<T>)", ReadableNameFormatter.Format(one));
        Assert.Equal("Ns.Box<T>.Set<U>(?)", ReadableNameFormatter.Format(two));
        Assert.Equal("Ns.Box<TItem>.Set<TOther>(?)", ReadableNameFormatter.Format(With(two, ["TItem"], ["TOther"])));
    }

    [Fact]
    public void Known_parameters_of_the_written_method_print_and_unknown_ones_print_as_empty_parentheses()
    {
        MethodSyntax lambda = Parse("Ns.T+<>c.<Run>b__3_0(System.Object)");
        MethodSyntax body = Parse("Ns.T+<Run>d__3.MoveNext()");
        ParameterSyntax[] written = [new(MetadataNameParser.TryParseType("System.String")!), new(MetadataNameParser.TryParseType("Int32&")!, "out")];

        Assert.Equal("Ns.T.Run()+lambda", ReadableNameFormatter.Format(lambda));
        Assert.Equal("Ns.T.Run(string, out int)+lambda", ReadableNameFormatter.Format(With(lambda, writtenParameters: written)));
        Assert.Equal("Ns.T.Run(string, out int)", ReadableNameFormatter.Format(With(body, writtenParameters: written)));
    }

    [Fact]
    public void Parameters_written_with_generic_names_print_the_known_instantiation()
    {
        // Metadata writes the written method's parameters with the type's parameter names; the runtime's string says
        // what the type is instantiated over here (int), or that the code is shared (T stays).
        ParameterSyntax[] written = [new(TypeSyntax.Parameter("TItem")), new(ListOf("TItem"))];
        MethodSyntax instantiated = With(Parse("Ns.Box`1+<Run>d__1[[System.Int32, System.Private.CoreLib]].MoveNext()"), ["TItem"], writtenParameters: written);
        MethodSyntax shared = With(Parse("Ns.Box`1+<Run>d__1[[System.__Canon, System.Private.CoreLib]].MoveNext()"), ["TItem"], writtenParameters: written);

        Assert.Equal("Ns.Box<int>.Run(int, List<int>)", ReadableNameFormatter.Format(instantiated));
        Assert.Equal("Ns.Box<TItem>.Run(TItem, List<TItem>)", ReadableNameFormatter.Format(shared));
    }

    [Fact]
    public void Without_demystifying_the_generated_names_stay_in_the_same_style()
    {
        Assert.Equal("Ns.T.<>c.<Run>b__3_0(object)", ReadableNameFormatter.Format(Parse("Ns.T+<>c.<Run>b__3_0(System.Object)"), demystify: false));
        Assert.Equal("Ns.T.<Run>d__3<int>.MoveNext()", ReadableNameFormatter.Format(Parse("Ns.T+<Run>d__3`1[[System.Int32, System.Private.CoreLib]].MoveNext()"), demystify: false));

        MethodDisplay raw = ReadableNameFormatter.Describe(Parse("Ns.T+<Run>d__3.MoveNext()"), demystify: false);
        Assert.False(raw.IsStateMachine);
    }

    [Fact]
    public void The_written_method_is_the_same_for_a_stub_its_state_machine_and_its_lambdas()
    {
        string[] frames =
        [
            "Ns.T`1[[System.__Canon, System.Private.CoreLib]].Run(System.__Canon)",
            "Ns.T`1+<Run>d__3[[System.__Canon, System.Private.CoreLib]].MoveNext()",
            "Ns.T`1+<>c__DisplayClass3_0[[System.__Canon, System.Private.CoreLib]].<Run>b__0()",
            "Ns.T`1[[System.__Canon, System.Private.CoreLib]].<Run>g__Local|3_1()",
        ];

        Assert.All(frames, f => Assert.Equal("Ns.T<T>.Run", ReadableNameFormatter.Describe(Parse(f)).WrittenMethod));
        Assert.Equal([false, true, false, false], frames.Select(f => ReadableNameFormatter.Describe(Parse(f)).IsStateMachine));
    }

    private static TypeSyntax ListOf(string parameter) => new()
    {
        Namespace = "System.Collections.Generic",
        Levels = [new TypeLevel("List", [TypeSyntax.Parameter(parameter)], 1)],
    };

    private static MethodSyntax Parse(string signature) =>
        MetadataNameParser.TryParseSignature(signature) ?? throw new Xunit.Sdk.XunitException("unparsed: " + signature);

    private static MethodSyntax With(MethodSyntax m, string[]? typeParameters = null, string[]? methodParameters = null,
        ParameterSyntax[]? writtenParameters = null) => new()
    {
        DeclaringType = m.DeclaringType,
        Name = m.Name,
        GenericArguments = m.GenericArguments,
        Parameters = m.Parameters,
        TypeParameterNames = typeParameters,
        MethodParameterNames = methodParameters,
        WrittenMethodParameters = writtenParameters,
    };
}
