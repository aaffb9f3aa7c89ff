using System.Text;

namespace StackDepot.Cli.Allocations;

/// <summary>
/// Turns the runtime's method load and rundown events' name of a method (<c>MethodNamespace</c>, <c>MethodName</c>,
/// <c>MethodSignature</c>) into a runtime signature in the form ClrMD prints and the naming component reads
/// (<c>Ns.Type`1[System.__Canon].Method(System.Threading.Thread, Int32)</c>), so that allocation reports name frames
/// as every other report does. The events write parameters in IL assembler syntax (<c>class System.Object</c>,
/// <c>value class System.Threading.CancellationToken</c>, <c>int32</c>, <c>unsigned int8</c>, <c>!0</c>, <c>!!0&amp;</c>);
/// a list with a form this does not rewrite (generic parameters) gives no parameters here: they are then read from the
/// assembly's metadata. A dynamic method's parameter named by its method table's address (<c>pMT: 0x7f...</c>) prints as
/// <c>?</c>: a dynamic method has no metadata to read it from.
/// </summary>
internal static class EventMethodName
{
    private static readonly Dictionary<string, string> Primitives = new(StringComparer.Ordinal)
    {
        ["bool"] = "Boolean",
        ["char"] = "Char",
        ["wchar"] = "Char",
        ["int8"] = "SByte",
        ["unsigned int8"] = "Byte",
        ["uint8"] = "Byte",
        ["int16"] = "Int16",
        ["unsigned int16"] = "UInt16",
        ["uint16"] = "UInt16",
        ["int32"] = "Int32",
        ["unsigned int32"] = "UInt32",
        ["uint32"] = "UInt32",
        ["int64"] = "Int64",
        ["unsigned int64"] = "UInt64",
        ["uint64"] = "UInt64",
        ["float32"] = "Single",
        ["float64"] = "Double",
        ["native int"] = "IntPtr",
        ["native unsigned int"] = "UIntPtr",
        ["native uint"] = "UIntPtr",
        ["string"] = "System.String",
        ["object"] = "System.Object",
        ["typedref"] = "System.TypedReference",
    };

    /// <summary>The runtime signature of the method, and whether it carries its parameter list.</summary>
    /// <param name="typeName">The event's <c>MethodNamespace</c>: the declaring type, reflection style.</param>
    /// <param name="name">The event's <c>MethodName</c>.</param>
    /// <param name="signature">The event's <c>MethodSignature</c>: return type, then the parameters in parentheses.</param>
    /// <returns><c>Type.Name(parameters)</c>, or <c>Type.Name</c> when the parameters could not be rewritten.</returns>
    public static string ToRuntimeSignature(string typeName, string name, string signature)
    {
        // Dynamic methods (LightweightCodeGen: compiled expressions, ASP.NET Core's request delegates) are declared by a
        // type the events call dynamicClass and ClrMD DynamicClass.
        typeName = typeName == "dynamicClass" ? "DynamicClass" : typeName;
        string head = string.IsNullOrEmpty(typeName) ? name : typeName + "." + name;
        int open = signature.IndexOf('(', StringComparison.Ordinal);
        int close = signature.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return head;
        }

        string? parameters = RewriteParameters(signature[(open + 1)..close]);
        return parameters is null ? head : head + "(" + parameters + ")";
    }

    /// <summary>The parameter list in the runtime's form, or null when one parameter is in a form not rewritten.</summary>
    internal static string? RewriteParameters(string list)
    {
        if (list.Trim().Length == 0)
        {
            return string.Empty;
        }

        var result = new StringBuilder();
        foreach (string parameter in SplitTopLevel(list, ','))
        {
            string? type = RewriteType(parameter.Trim());
            if (type is null)
            {
                return null;
            }

            result.Append(result.Length > 0 ? ", " : string.Empty).Append(type);
        }

        return result.ToString();
    }

    // One type: a prefix (class, value class, valuetype), a name or IL keyword, generic arguments in <...>, then
    // modifiers ([], [,], *, &).
    private static string? RewriteType(string text)
    {
        foreach (string prefix in (ReadOnlySpan<string>)["value class ", "valuetype ", "class "])
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                text = text[prefix.Length..].TrimStart();
                break;
            }
        }

        int end = text.Length;
        while (end > 0 && text[end - 1] is '&' or '*' or ']')
        {
            if (text[end - 1] == ']')
            {
                int open = text.LastIndexOf('[', end - 1);
                if (open < 0 || text.AsSpan(open + 1, end - open - 2).Trim(',').Length > 0)
                {
                    break; // not an array rank
                }

                end = open;
                continue;
            }

            end--;
        }

        string core = text[..end];
        string modifiers = text[end..];
        if (core.StartsWith("pMT: 0x", StringComparison.Ordinal))
        {
            return "?"; // a dynamic method's parameter, named by its method table's address: no type name to print
        }

        if (Primitives.TryGetValue(core, out string? primitive))
        {
            return primitive + modifiers;
        }

        int angle = core.IndexOf('<', StringComparison.Ordinal);
        string name = angle < 0 ? core : core[..angle];
        if (name.Length == 0 || name == "int" || name.AsSpan().IndexOfAny("!: ") >= 0)
        {
            return null; // a generic parameter (!0, !!0), a dynamic method's "pMT: 0x...", or a form not known ("int")
        }

        if (angle < 0)
        {
            return core + modifiers;
        }

        if (core[^1] != '>')
        {
            return null;
        }

        var arguments = new List<string>();
        foreach (string argument in SplitTopLevel(core[(angle + 1)..^1], ','))
        {
            string? rewritten = RewriteType(argument.Trim());
            if (rewritten is null)
            {
                return null;
            }

            arguments.Add(rewritten);
        }

        return core[..angle] + "<" + string.Join(",", arguments) + ">" + modifiers;
    }

    private static IEnumerable<string> SplitTopLevel(string text, char separator)
    {
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '<' or '[' or '(')
            {
                depth++;
            }
            else if (c is '>' or ']' or ')')
            {
                depth--;
            }
            else if (c == separator && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
