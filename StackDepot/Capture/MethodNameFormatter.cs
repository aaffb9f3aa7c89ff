using System.Reflection;
using System.Runtime.CompilerServices;
using StackDepot.Naming;

namespace StackDepot.Capture;

/// <summary>
/// Names methods seen through reflection in the product's one naming style (<see cref="ReadableNameFormatter"/>):
/// <c>Namespace.Outer.Inner&lt;T&gt;.Method&lt;U&gt;(int, ref Span&lt;byte&gt;, List&lt;string&gt;)</c>, with
/// compiler-generated code named after what was written. Reflection knows more than the strings out-of-process tools
/// print (parameter names of generic types, <c>out</c> and <c>in</c>, the method a state machine implements), so the
/// same frame reads the same or more precisely here.
/// </summary>
internal static class MethodNameFormatter
{
    private const BindingFlags DeclaredMethods = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
        | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>Formats <paramref name="method"/>; never throws (a placeholder names the failure instead).</summary>
    public static string FormatSafely(MethodBase method, bool readable)
    {
        try
        {
            return Format(method, readable);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Reflection over partially loadable types can fail (missing dependencies, unloading): still a name.
            return $"<unnamed method: {e.GetType().Name}>";
        }
    }

    /// <summary>The simple name of the method's assembly, or null when it cannot be read.</summary>
    public static string? ModuleName(MethodBase method)
    {
        try
        {
            return method.Module.Assembly.GetName().Name;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>Formats <paramref name="method"/>.</summary>
    /// <param name="method">The method.</param>
    /// <param name="readable">Name compiler-generated code after what was written (a state machine's <c>MoveNext</c>
    /// as its async method or iterator, lambdas as <c>Method()+lambda</c>, local functions as
    /// <c>Method()+Local(args)</c>); false keeps the generated names.</param>
    public static string Format(MethodBase method, bool readable) =>
        ReadableNameFormatter.Format(ToSyntax(method, readable), readable);

    /// <summary>The method as <see cref="ReadableNameFormatter"/> takes it.</summary>
    internal static MethodSyntax ToSyntax(MethodBase method, bool readable)
    {
        if (readable && TryResolveStateMachine(method, out MethodBase? written))
        {
            method = written;
        }

        return new MethodSyntax
        {
            DeclaringType = method.DeclaringType is { } declaring ? ToSyntax(declaring) : null,
            Name = method.Name,
            GenericArguments = method.IsGenericMethod ? [.. method.GetGenericArguments().Select(ToSyntax)] : [],
            Parameters = Parameters(method),
            WrittenMethodParameters = readable ? WrittenMethodParameters(method) : null,
        };
    }

    /// <summary>
    /// Maps <c>&lt;Method&gt;d__N.MoveNext</c> to <c>Method</c> when the parent type has a method whose
    /// <see cref="StateMachineAttribute"/> names that state machine type.
    /// </summary>
    internal static bool TryResolveStateMachine(MethodBase method, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MethodBase? written)
    {
        written = null;
        Type? stateMachine = method.DeclaringType;
        Type? parent = stateMachine?.DeclaringType;
        if (method.Name != "MoveNext" || stateMachine is null || parent is null
            || !stateMachine.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
        {
            return false;
        }

        Type target = stateMachine.IsGenericType ? stateMachine.GetGenericTypeDefinition() : stateMachine;
        foreach (MethodInfo candidate in parent.GetMethods(DeclaredMethods))
        {
            foreach (StateMachineAttribute attribute in candidate.GetCustomAttributes<StateMachineAttribute>(inherit: false))
            {
                Type? type = attribute.StateMachineType;
                if (type is not null && (type.IsGenericType ? type.GetGenericTypeDefinition() : type) == target)
                {
                    written = candidate;
                    return true;
                }
            }
        }

        return false;
    }

    private static List<ParameterSyntax> Parameters(MethodBase method)
    {
        var list = new List<ParameterSyntax>();
        foreach (ParameterInfo parameter in method.GetParameters())
        {
            Type type = parameter.ParameterType;
            string? modifier = type.IsByRef ? parameter.IsOut ? "out" : parameter.IsIn ? "in" : "ref" : null;
            list.Add(new ParameterSyntax(ToSyntax(type), modifier));
        }

        return list;
    }

    // For a lambda or local function, the parameters of the method it was written in, when exactly one method of that
    // name is declared in the first type around it that is not a closure class.
    private static List<ParameterSyntax>? WrittenMethodParameters(MethodBase method)
    {
        GeneratedName generated = GeneratedName.Parse(method.Name);
        if (generated.Kind is not (GeneratedNameKind.Lambda or GeneratedNameKind.LocalFunction))
        {
            return null;
        }

        Type? host = method.DeclaringType;
        while (host is not null && GeneratedName.Parse(host.Name).Kind == GeneratedNameKind.Closure)
        {
            host = host.DeclaringType;
        }

        if (host is null)
        {
            return null;
        }

        string name = generated.Inner;
        MethodBase? found = null;
        IEnumerable<MethodBase> candidates = name is ".ctor" or ".cctor"
            ? host.GetConstructors(DeclaredMethods)
            : host.GetMethods(DeclaredMethods);
        foreach (MethodBase candidate in candidates)
        {
            if (candidate.Name == name)
            {
                if (found is not null)
                {
                    return null; // overloads: which one is not known
                }

                found = candidate;
            }
        }

        return found is null ? null : Parameters(found);
    }

    private static TypeSyntax ToSyntax(Type type)
    {
        if (type.IsGenericParameter)
        {
            return TypeSyntax.Parameter(type.Name);
        }

        if (type.HasElementType)
        {
            TypeSyntax element = ToSyntax(type.GetElementType()!);
            TypeModifier modifier = type.IsArray ? new TypeModifier(TypeModifierKind.Array, type.GetArrayRank())
                : type.IsPointer ? new TypeModifier(TypeModifierKind.Pointer)
                : new TypeModifier(TypeModifierKind.ByRef);
            return element.WithModifiers([.. element.Modifiers, modifier]);
        }

        var chain = new List<Type>();
        for (Type? t = type; t is not null; t = t.IsNested ? t.DeclaringType : null)
        {
            chain.Insert(0, t);
        }

        var levels = new List<TypeLevel>(chain.Count);
        foreach (Type level in chain)
        {
            string name = level.Name;
            int tick = name.IndexOf('`', StringComparison.Ordinal);
            int arity = tick >= 0 && int.TryParse(name.AsSpan(tick + 1), out int parsed) ? parsed : 0;
            levels.Add(new TypeLevel(tick >= 0 ? name[..tick] : name, [], arity));
        }

        Type[] arguments = type.IsGenericType ? type.GetGenericArguments() : Type.EmptyTypes;
        return new TypeSyntax { Namespace = chain[0].Namespace ?? "", Levels = TypeSyntax.Instantiate(levels, [.. arguments.Select(ToSyntax)]) };
    }
}
