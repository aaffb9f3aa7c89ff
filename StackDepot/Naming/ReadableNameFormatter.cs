using System.Globalization;
using System.Text;

namespace StackDepot.Naming;

/// <summary>
/// Renders a <see cref="MethodSyntax"/> in the product's one naming style, whichever tool produced it:
/// <list type="bullet">
/// <item>the declaring type in full (namespace, nested types joined with <c>.</c>), generic arguments as C# writes them
/// (<c>Dictionary&lt;string, int&gt;</c>), arity suffixes and assembly names dropped;</item>
/// <item>parameter types short (no namespace) with C# keywords (<c>int</c>, <c>string</c>, <c>object</c>),
/// <c>int?</c> for <c>Nullable&lt;int&gt;</c>, <c>(int, string)</c> for value tuples, <c>ref</c>/<c>out</c>/<c>in</c>
/// for by-reference parameters (<c>ref</c> when the tool does not say which);</item>
/// <item>shared generic code (<c>System.__Canon</c>) shown as the type parameter (<c>T</c>, or the real name when
/// known);</item>
/// <item>compiler-generated code named after what was written: a state machine's <c>MoveNext</c> as its async method
/// or iterator (<c>HttpProtocol.ProcessRequests&lt;TContext&gt;()</c>), a lambda as <c>Program.Main()+lambda</c>, a
/// local function as <c>Program.Main()+Local(int)</c>. The parameters of the written method print when the caller
/// could look them up (<see cref="MethodSyntax.WrittenMethodParameters"/>), else as <c>()</c>.</item>
/// </list>
/// </summary>
internal static class ReadableNameFormatter
{
    /// <summary>The readable name of <paramref name="method"/>.</summary>
    /// <param name="method">The method.</param>
    /// <param name="demystify">Name compiler-generated code after what was written (true), or keep the generated
    /// names (<c>Program.&lt;&gt;c.&lt;Main&gt;b__0_1()</c>) in the same style otherwise.</param>
    public static string Format(MethodSyntax method, bool demystify = true) => Describe(method, demystify).Text;

    /// <summary>The readable name of <paramref name="method"/> and what kind of frame it is.</summary>
    /// <param name="method">The method.</param>
    /// <param name="demystify">Name compiler-generated code after what was written; see <see cref="Format"/>.</param>
    public static MethodDisplay Describe(MethodSyntax method, bool demystify = true)
    {
        TypeSyntax? declaring = method.DeclaringType;
        IReadOnlyList<TypeLevel> levels = declaring?.Levels ?? [];
        var scope = new Scope(method, levels);

        // The declaring chain up to the first generated level; closures vanish, a state machine names its method.
        var visible = new StringBuilder();
        if (declaring is not null && declaring.Namespace.Length > 0)
        {
            visible.Append(declaring.Namespace).Append('.');
        }

        var writtenArguments = new List<string>();
        string? stateMachineOf = null;
        int slot = 0;
        int shown = 0;
        foreach (TypeLevel level in levels)
        {
            int slots = Math.Max(level.Arity, level.Arguments.Count);
            GeneratedName generated = demystify ? GeneratedName.Parse(level.Name) : default;
            if (generated.Kind is GeneratedNameKind.Closure or GeneratedNameKind.StateMachine)
            {
                // A closure class of a generic method, and a state machine of one, copy the method's type parameters.
                for (int i = 0; i < slots; i++)
                {
                    writtenArguments.Add(scope.TypeSlot(level, i, slot + i));
                }

                stateMachineOf = generated.Kind == GeneratedNameKind.StateMachine ? generated.Inner : stateMachineOf;
            }
            else
            {
                if (shown++ > 0)
                {
                    visible.Append('.');
                }

                visible.Append(level.Name);
                if (slots > 0)
                {
                    visible.Append('<');
                    for (int i = 0; i < slots; i++)
                    {
                        visible.Append(i > 0 ? ", " : "").Append(scope.TypeSlot(level, i, slot + i));
                    }

                    visible.Append('>');
                }
            }

            slot += slots;
        }

        string typeText = shown > 0 ? visible.ToString() : declaring?.Namespace ?? "";

        // What was written: a state machine's method, a lambda's or local function's host, or the method itself.
        string name = method.Name;
        IReadOnlyList<ParameterSyntax>? parameters = method.Parameters;
        string suffix = "";
        bool isStateMachine = false;
        bool generatedCode = false;
        if (stateMachineOf is not null)
        {
            generatedCode = true;
            if (name == "MoveNext")
            {
                isStateMachine = true;
            }
            else
            {
                suffix = "+" + name + ParameterList(parameters, scope, skipClosures: false);
            }

            name = stateMachineOf;
            parameters = null;
        }
        else
        {
            for (int i = 0; i < method.GenericArguments.Count; i++)
            {
                writtenArguments.Add(scope.MethodSlot(i));
            }
        }

        GeneratedName kind = demystify ? GeneratedName.Parse(name) : default;
        switch (kind.Kind)
        {
            case GeneratedNameKind.Lambda:
                suffix = "+lambda" + (isStateMachine ? "" : suffix);
                name = GeneratedName.WrittenMethodName(kind.Inner);
                generatedCode = true;
                break;
            case GeneratedNameKind.LocalFunction:
                // The local function's own parameters are known unless this is its state machine; closure structs the
                // compiler passes by reference are not what was written.
                suffix = "+" + kind.LocalName + ParameterList(stateMachineOf is null ? parameters : method.LocalFunctionParameters, scope, skipClosures: true) + suffix;
                name = GeneratedName.WrittenMethodName(kind.Inner);
                generatedCode = true;
                break;
            default:
                name = demystify ? GeneratedName.WrittenMethodName(name) : name;
                break;
        }

        if (generatedCode)
        {
            parameters = method.WrittenMethodParameters;
        }

        var text = new StringBuilder(typeText.Length + name.Length + 32);
        if (typeText.Length > 0)
        {
            text.Append(typeText).Append('.');
        }

        text.Append(name);
        int methodNameEnd = text.Length;
        if (writtenArguments.Count > 0)
        {
            text.Append('<').AppendJoin(", ", writtenArguments).Append('>');
        }

        text.Append(ParameterList(parameters, scope, skipClosures: false)).Append(suffix);
        return new MethodDisplay(text.ToString(), text.ToString(0, methodNameEnd), isStateMachine, PlumbingFrames.IsPlumbing(method));
    }

    /// <summary>A type as it appears in a parameter list or generic argument: short, with C# keywords.</summary>
    internal static string ShortName(TypeSyntax type) => ShortName(type, null);

    private static string ShortName(TypeSyntax type, Scope? scope)
    {
        var builder = new StringBuilder();
        AppendShort(builder, type, scope, 0);
        return builder.ToString();
    }

    private static string ParameterList(IReadOnlyList<ParameterSyntax>? parameters, Scope scope, bool skipClosures)
    {
        if (parameters is null || parameters.Count == 0)
        {
            return "()";
        }

        var builder = new StringBuilder("(");
        bool first = true;
        foreach (ParameterSyntax parameter in parameters)
        {
            TypeSyntax type = parameter.Type;
            if (skipClosures && type.Levels.Count > 0 && GeneratedName.Parse(type.Levels[^1].Name).Kind == GeneratedNameKind.Closure)
            {
                continue;
            }

            builder.Append(first ? "" : ", ");
            first = false;
            if (type.IsByRef)
            {
                builder.Append(parameter.Modifier ?? "ref").Append(' ');
                type = type.WithModifiers([.. type.Modifiers.Take(type.Modifiers.Count - 1)]);
            }

            AppendShort(builder, type, scope, 0);
        }

        return builder.Append(')').ToString();
    }

    private static void AppendShort(StringBuilder builder, TypeSyntax type, Scope? scope, int depth)
    {
        if (type.GenericParameterName is { } parameterName)
        {
            builder.Append(scope?.Instantiation(parameterName) ?? parameterName);
        }
        else if (type.IsCanon)
        {
            builder.Append(scope?.NestedCanon ?? "T");
        }
        else if (depth > 32)
        {
            builder.Append('?');
        }
        else if (Keyword(type) is { } keyword)
        {
            builder.Append(keyword);
        }
        else if (IsSystem(type, "Nullable") && type.Levels[0].Arguments.Count == 1)
        {
            AppendShort(builder, type.Levels[0].Arguments[0], scope, depth + 1);
            builder.Append('?');
        }
        else if (IsSystem(type, "ValueTuple") && type.Levels[0].Arguments.Count is > 1 and <= 8)
        {
            builder.Append('(');
            AppendTupleElements(builder, type, scope, depth, first: true);
            builder.Append(')');
        }
        else
        {
            for (int i = 0; i < type.Levels.Count; i++)
            {
                TypeLevel level = type.Levels[i];
                builder.Append(i > 0 ? "." : "").Append(level.Name);
                int slots = Math.Max(level.Arity, level.Arguments.Count);
                if (slots > 0)
                {
                    builder.Append('<');
                    for (int a = 0; a < slots; a++)
                    {
                        builder.Append(a > 0 ? ", " : "");
                        if (a < level.Arguments.Count)
                        {
                            AppendShort(builder, level.Arguments[a], scope, depth + 1);
                        }
                        else
                        {
                            builder.Append(Scope.Fallback("T", a, slots));
                        }
                    }

                    builder.Append('>');
                }
            }
        }

        AppendModifiers(builder, type);
    }

    // (int, string, ..., and the eighth element's own elements: ValueTuple`8 nests the rest in TRest).
    private static void AppendTupleElements(StringBuilder builder, TypeSyntax tuple, Scope? scope, int depth, bool first)
    {
        IReadOnlyList<TypeSyntax> elements = tuple.Levels[0].Arguments;
        for (int i = 0; i < elements.Count; i++)
        {
            TypeSyntax element = elements[i];
            if (i == 7 && IsSystem(element, "ValueTuple") && element.Modifiers.Count == 0 && depth < 32)
            {
                AppendTupleElements(builder, element, scope, depth + 1, first: false);
                continue;
            }

            builder.Append(first && i == 0 ? "" : ", ");
            AppendShort(builder, element, scope, depth + 1);
        }
    }

    private static void AppendModifiers(StringBuilder builder, TypeSyntax type)
    {
        foreach (TypeModifier modifier in type.Modifiers)
        {
            switch (modifier.Kind)
            {
                case TypeModifierKind.Array:
                    builder.Append('[').Append(',', Math.Max(modifier.Rank - 1, 0)).Append(']');
                    break;
                case TypeModifierKind.Pointer:
                    builder.Append('*');
                    break;
                default:
                    builder.Append('&');
                    break;
            }
        }
    }

    private static bool IsSystem(TypeSyntax type, string name) =>
        type.GenericParameterName is null && type.Levels.Count == 1 && type.Levels[0].Name == name && type.Namespace == "System";

    private static string? Keyword(TypeSyntax type)
    {
        // The runtime prints primitives without a namespace in parameter lists ("Int32", "Byte*").
        if (type.GenericParameterName is not null || type.Levels.Count != 1 || type.Levels[0].Arguments.Count > 0
            || type.Levels[0].Arity > 0 || type.Namespace is not ("System" or ""))
        {
            return null;
        }

        return type.Levels[0].Name switch
        {
            "Boolean" => "bool",
            "Char" => "char",
            "SByte" => "sbyte",
            "Byte" => "byte",
            "Int16" => "short",
            "UInt16" => "ushort",
            "Int32" => "int",
            "UInt32" => "uint",
            "Int64" => "long",
            "UInt64" => "ulong",
            "Single" => "float",
            "Double" => "double",
            "Decimal" => "decimal",
            "String" => "string",
            "Object" => "object",
            "Void" => "void",
            "IntPtr" => "nint",
            "UIntPtr" => "nuint",
            _ => null,
        };
    }

    /// <summary>Names for generic parameters: the known names, else <c>T</c> (or <c>T1</c>, <c>T2</c>, ...).</summary>
    private sealed class Scope
    {
        private readonly MethodSyntax _method;
        private readonly string[] _typeNames;
        private readonly string? _nestedCanon;
        private readonly Dictionary<string, TypeSyntax> _bound = new(StringComparer.Ordinal);

        public Scope(MethodSyntax method, IReadOnlyList<TypeLevel> levels)
        {
            _method = method;
            int slots = 0;
            foreach (TypeLevel level in levels)
            {
                slots += Math.Max(level.Arity, level.Arguments.Count);
            }

            _typeNames = new string[slots];
            for (int i = 0; i < slots; i++)
            {
                _typeNames[i] = method.TypeParameterNames is { } names && names.Count == slots ? names[i] : Fallback("T", i, slots);
            }

            // System.__Canon inside a parameter type or a generic argument stands for one of the parameters that are
            // instantiated over shared code; when there is exactly one, that is its name. A parameter instantiated
            // over a known type (parameters from metadata are written with names) prints as that type.
            var candidates = new HashSet<string>(StringComparer.Ordinal);
            int index = 0;
            foreach (TypeLevel level in levels)
            {
                int count = Math.Max(level.Arity, level.Arguments.Count);
                for (int i = 0; i < count; i++, index++)
                {
                    if (i >= level.Arguments.Count || level.Arguments[i].IsCanon)
                    {
                        candidates.Add(_typeNames[index]);
                    }
                    else if (method.TypeParameterNames is not null && level.Arguments[i].GenericParameterName is null)
                    {
                        _bound.TryAdd(_typeNames[index], level.Arguments[i]);
                    }
                }
            }

            for (int i = 0; i < method.GenericArguments.Count; i++)
            {
                if (method.GenericArguments[i].IsCanon)
                {
                    candidates.Add(MethodName(i));
                }
                else if (method.MethodParameterNames is not null && method.GenericArguments[i].GenericParameterName is null)
                {
                    _bound.TryAdd(MethodName(i), method.GenericArguments[i]);
                }
            }

            _nestedCanon = candidates.Count == 1 ? candidates.First() : "?";
        }

        public string NestedCanon => _nestedCanon ?? "?";

        /// <summary>The type a generic parameter named <paramref name="name"/> is instantiated over, when known.</summary>
        public string? Instantiation(string name) =>
            _bound.TryGetValue(name, out TypeSyntax? type) ? ShortName(type, null) : null;

        public static string Fallback(string stem, int index, int count) =>
            count == 1 ? stem : stem + (index + 1).ToString(CultureInfo.InvariantCulture);

        /// <summary>The text of argument <paramref name="index"/> of <paramref name="level"/> (overall slot
        /// <paramref name="slot"/>): the argument, or the parameter's name for shared code or a missing argument.</summary>
        public string TypeSlot(TypeLevel level, int index, int slot) =>
            index < level.Arguments.Count && !level.Arguments[index].IsCanon
                ? ShortName(level.Arguments[index], this)
                : slot < _typeNames.Length ? _typeNames[slot] : "T";

        public string MethodSlot(int index)
        {
            TypeSyntax argument = _method.GenericArguments[index];
            return argument.IsCanon ? MethodName(index) : ShortName(argument, this);
        }

        private string MethodName(int index) =>
            _method.MethodParameterNames is { } names && index < names.Count && names.Count == _method.GenericArguments.Count
                ? names[index]
                : Fallback(_typeNames.Length > 0 ? "U" : "T", index, _method.GenericArguments.Count);
    }
}
