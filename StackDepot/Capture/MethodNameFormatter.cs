using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace StackDepot.Capture;

/// <summary>
/// Formats methods as <c>Namespace.Outer.Inner&lt;T&gt;.Method&lt;U&gt;(int, List&lt;string&gt;)</c>: the declaring
/// type in full (generic arity as type parameters, nesting with dots), parameter types short with C# keywords.
/// Optionally maps the <c>MoveNext</c> of a compiler-generated async or iterator state machine back to the method
/// that was written, as the runtime's own stack traces do.
/// </summary>
internal static class MethodNameFormatter
{
    /// <summary>Formats <paramref name="method"/>; never throws (a placeholder names the failure instead).</summary>
    public static string FormatSafely(MethodBase method, bool resolveStateMachines)
    {
        try
        {
            return Format(method, resolveStateMachines);
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
    public static string Format(MethodBase method, bool resolveStateMachines)
    {
        if (resolveStateMachines && TryResolveStateMachine(method, out MethodBase? written))
        {
            method = written;
        }

        var sb = new StringBuilder(96);
        Type? declaring = method.DeclaringType;
        if (declaring is not null)
        {
            AppendTypeName(sb, declaring, fullName: true);
            sb.Append('.');
        }

        sb.Append(method.Name);
        if (method.IsGenericMethod)
        {
            AppendGenericArguments(sb, method.GetGenericArguments(), 0, method.GetGenericArguments().Length);
        }

        sb.Append('(');
        ParameterInfo[] parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            Type type = parameters[i].ParameterType;
            if (type.IsByRef)
            {
                sb.Append(parameters[i].IsOut ? "out " : parameters[i].IsIn ? "in " : "ref ");
                type = type.GetElementType()!;
            }

            AppendTypeName(sb, type, fullName: false);
        }

        return sb.Append(')').ToString();
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
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
            | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (MethodInfo candidate in parent.GetMethods(all))
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

    private static void AppendTypeName(StringBuilder sb, Type type, bool fullName)
    {
        if (type.IsByRef)
        {
            sb.Append("ref ");
            AppendTypeName(sb, type.GetElementType()!, fullName);
            return;
        }

        if (type.IsPointer)
        {
            AppendTypeName(sb, type.GetElementType()!, fullName);
            sb.Append('*');
            return;
        }

        if (type.IsArray)
        {
            AppendTypeName(sb, type.GetElementType()!, fullName);
            sb.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }

        if (type.IsGenericParameter)
        {
            sb.Append(type.Name);
            return;
        }

        if (!fullName && Keyword(type) is string keyword)
        {
            sb.Append(keyword);
            return;
        }

        if (type.IsConstructedGenericType && type.GetGenericTypeDefinition() == typeof(Nullable<>))
        {
            AppendTypeName(sb, type.GetGenericArguments()[0], fullName);
            sb.Append('?');
            return;
        }

        Type[] arguments = type.IsGenericType ? type.GetGenericArguments() : Type.EmptyTypes;
        AppendNested(sb, type, arguments, fullName);
    }

    // Outer<T>.Inner<U>: the arguments of a nested generic type list the outer type's first; each level takes as
    // many as its own `N suffix says.
    private static int AppendNested(StringBuilder sb, Type type, Type[] arguments, bool fullName)
    {
        int used = 0;
        if (type.IsNested && type.DeclaringType is Type outer)
        {
            used = AppendNested(sb, outer, arguments, fullName);
            sb.Append('.');
        }
        else if (fullName && !string.IsNullOrEmpty(type.Namespace))
        {
            sb.Append(type.Namespace).Append('.');
        }

        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick < 0)
        {
            sb.Append(name);
            return used;
        }

        sb.Append(name, 0, tick);
        int arity = int.TryParse(name.AsSpan(tick + 1), out int parsed) ? parsed : 0;
        arity = Math.Min(arity, arguments.Length - used);
        AppendGenericArguments(sb, arguments, used, arity);
        return used + arity;
    }

    private static void AppendGenericArguments(StringBuilder sb, Type[] arguments, int start, int count)
    {
        if (count <= 0)
        {
            return;
        }

        sb.Append('<');
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            AppendTypeName(sb, arguments[start + i], fullName: false);
        }

        sb.Append('>');
    }

    private static string? Keyword(Type type) => type.IsEnum ? null : Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => "bool",
        TypeCode.Char => "char",
        TypeCode.SByte => "sbyte",
        TypeCode.Byte => "byte",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 => "int",
        TypeCode.UInt32 => "uint",
        TypeCode.Int64 => "long",
        TypeCode.UInt64 => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.String => "string",
        _ when type == typeof(object) => "object",
        _ when type == typeof(void) => "void",
        _ when type == typeof(nint) => "nint",
        _ when type == typeof(nuint) => "nuint",
        _ => null,
    };
}
