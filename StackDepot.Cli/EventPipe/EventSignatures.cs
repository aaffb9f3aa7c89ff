using System.Text;

namespace StackDepot.Cli.EventPipe;

/// <summary>
/// Turns the runtime's method load and rundown events' name of a method (<c>MethodNamespace</c>, <c>MethodName</c>,
/// <c>MethodSignature</c>) into a runtime signature in the form ClrMD prints and the naming component reads
/// (<c>Ns.Type`1[System.__Canon].Method(System.Threading.Thread, Int32)</c>), so that reports made from events name
/// frames as every other report does. The events spell parameters as IL does (<c>class System.Object</c>,
/// <c>value class System.Threading.CancellationToken</c>, <c>int32</c>, <c>unsigned int8</c>, <c>!0</c>,
/// <c>!!0&amp;</c>); a list with a form not respelled here (generic parameters by position) gives no parameters: they
/// are then read from the assembly's metadata. A dynamic method's parameter named by its method table's address
/// (<c>pMT: 0x7f...</c>) is <c>?</c>: a dynamic method has no metadata to read it from.
/// </summary>
internal static class EventSignatures
{
    private static readonly Dictionary<string, string> Primitives = new(StringComparer.Ordinal)
    {
        ["void"] = "Void", ["bool"] = "Boolean", ["char"] = "Char", ["wchar"] = "Char", ["int8"] = "SByte",
        ["unsigned int8"] = "Byte", ["uint8"] = "Byte", ["int16"] = "Int16", ["unsigned int16"] = "UInt16", ["uint16"] = "UInt16",
        ["int32"] = "Int32", ["unsigned int32"] = "UInt32", ["uint32"] = "UInt32", ["int64"] = "Int64",
        ["unsigned int64"] = "UInt64", ["uint64"] = "UInt64", ["float32"] = "Single", ["float64"] = "Double",
        ["native int"] = "IntPtr", ["native unsigned int"] = "UIntPtr", ["native uint"] = "UIntPtr",
        ["string"] = "System.String", ["object"] = "System.Object", ["typedref"] = "System.TypedReference",
    };

    /// <summary>The runtime signature of the method: <c>Type.Name(parameters)</c>, or <c>Type.Name</c> when the
    /// parameters are not in a form respelled here.</summary>
    /// <param name="typeName">The event's <c>MethodNamespace</c>: the declaring type, reflection style.</param>
    /// <param name="name">The event's <c>MethodName</c>.</param>
    /// <param name="signature">The event's <c>MethodSignature</c>, for example <c>instance void  (int32,class System.String)</c>.</param>
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

        var parameters = new List<string>();
        foreach (string parameter in SplitTopLevel(signature[(open + 1)..close]))
        {
            if (Respell(parameter) is not { } type)
            {
                return head;
            }

            parameters.Add(type);
        }

        return head + "(" + string.Join(", ", parameters) + ")";
    }

    /// <summary>One IL type respelled as the runtime's signatures spell it; null for what is not read here.</summary>
    internal static string? Respell(string text)
    {
        string type = text.Trim();
        foreach (string prefix in (ReadOnlySpan<string>)["value class ", "valuetype ", "class "])
        {
            if (type.StartsWith(prefix, StringComparison.Ordinal))
            {
                type = type[prefix.Length..].TrimStart();
                break;
            }
        }

        if (type.StartsWith("pMT: 0x", StringComparison.Ordinal))
        {
            return "?"; // a dynamic method's parameter, named by its method table's address: no type name to print
        }

        string suffix = string.Empty;
        while (type.EndsWith('&') || type.EndsWith('*') || type.EndsWith(']'))
        {
            if (type[^1] == ']')
            {
                int bracket = type.LastIndexOf('[');
                if (bracket < 0 || type.AsSpan(bracket + 1, type.Length - bracket - 2).Trim(',').Length > 0)
                {
                    return null; // not an array rank
                }

                suffix = type[bracket..] + suffix;
                type = type[..bracket].TrimEnd();
                continue;
            }

            suffix = (type[^1] == '&' ? " ByRef" : "*") + suffix;
            type = type[..^1].TrimEnd();
        }

        if (Primitives.TryGetValue(type, out string? primitive))
        {
            return primitive + suffix;
        }

        int angle = type.IndexOf('<', StringComparison.Ordinal);
        string name = angle < 0 ? type : type[..angle];
        if (name.Length == 0 || name == "int" || name.AsSpan().IndexOfAny("!: ") >= 0)
        {
            return null; // a generic parameter by position (!0, !!0), or a form not known ("int" is an IntPtr in some events)
        }

        if (angle < 0)
        {
            return type + suffix;
        }

        if (type[^1] != '>')
        {
            return null;
        }

        var builder = new StringBuilder(name).Append('<');
        bool first = true;
        foreach (string argument in SplitTopLevel(type[(angle + 1)..^1]))
        {
            if (Respell(argument) is not { } respelled)
            {
                return null;
            }

            builder.Append(first ? string.Empty : ", ").Append(respelled);
            first = false;
        }

        return builder.Append('>').Append(suffix).ToString();
    }

    /// <summary>Splits at the commas outside of <c>&lt;&gt;</c>, <c>[]</c> and <c>()</c>; an empty list for an empty text.</summary>
    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return parts;
        }

        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            depth += text[i] is '<' or '[' or '(' ? 1 : text[i] is '>' or ']' or ')' ? -1 : 0;
            if (text[i] == ',' && depth == 0)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }
}
