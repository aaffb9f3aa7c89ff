using System.Text;
using StackDepot.Naming;

namespace StackDepot.Cli.EventPipe;

/// <summary>
/// Names methods of the runtime's method events in the product's one naming style: the events spell parameter types
/// as IL does (<c>class System.Object,int32</c>, <c>value class System.Span`1&lt;unsigned int8&gt;</c>); they are
/// respelled as the runtime's own signatures (<c>System.Object, Int32</c>), which the naming library reads and prints
/// as the ClrMD engine does (<c>Monitor.Wait(object, int)</c>).
/// </summary>
internal static class EventSignatures
{
    private static readonly Dictionary<string, string> Primitives = new(StringComparer.Ordinal)
    {
        ["void"] = "Void", ["bool"] = "Boolean", ["char"] = "Char", ["int8"] = "SByte", ["unsigned int8"] = "Byte",
        ["int16"] = "Int16", ["unsigned int16"] = "UInt16", ["int32"] = "Int32", ["unsigned int32"] = "UInt32",
        ["int64"] = "Int64", ["unsigned int64"] = "UInt64", ["float32"] = "Single", ["float64"] = "Double",
        ["native int"] = "IntPtr", ["native unsigned int"] = "UIntPtr", ["string"] = "System.String",
        ["object"] = "System.Object", ["typedref"] = "System.TypedReference",
    };

    /// <summary>The method in the readable style, or null when its signature is not in a form read here.</summary>
    /// <param name="typeName">The declaring type (the event's <c>MethodNamespace</c>).</param>
    /// <param name="name">The method name.</param>
    /// <param name="signature">The event's signature, for example <c>instance void  (int32,class System.String)</c>.</param>
    public static string? Readable(string typeName, string name, string signature)
    {
        int open = signature.IndexOf('(', StringComparison.Ordinal);
        int close = signature.LastIndexOf(')');
        if (open < 0 || close < open || string.IsNullOrEmpty(typeName))
        {
            return null;
        }

        var parameters = new List<string>();
        foreach (string parameter in SplitTopLevel(signature[(open + 1)..close]))
        {
            if (Respell(parameter) is not { } type)
            {
                return null;
            }

            parameters.Add(type);
        }

        string raw = typeName + "." + name + "(" + string.Join(", ", parameters) + ")";
        return MetadataNameParser.TryParseSignature(raw, name) is { } parsed ? ReadableNameFormatter.Format(parsed) : null;
    }

    /// <summary>One IL type respelled as the runtime's signatures spell it; null for what is not read here.</summary>
    internal static string? Respell(string text)
    {
        string type = text.Trim();
        foreach (string prefix in (string[])["value class ", "valuetype ", "class "])
        {
            if (type.StartsWith(prefix, StringComparison.Ordinal))
            {
                type = type[prefix.Length..].TrimStart();
            }
        }

        if (type.Length == 0 || type[0] == '!')
        {
            return null; // a generic parameter by position: no name to print
        }

        string suffix = string.Empty;
        while (type.EndsWith("[]", StringComparison.Ordinal) || type.EndsWith('*') || type.EndsWith('&'))
        {
            suffix = (type[^1] == '&' ? " ByRef" : type.EndsWith("[]", StringComparison.Ordinal) ? "[]" : "*") + suffix;
            type = type[..(type[^1] == ']' ? ^2 : ^1)].TrimEnd();
        }

        if (Primitives.TryGetValue(type, out string? primitive))
        {
            return primitive + suffix;
        }

        int angle = type.IndexOf('<', StringComparison.Ordinal);
        if (angle < 0)
        {
            return type + suffix;
        }

        if (type[^1] != '>')
        {
            return null;
        }

        var builder = new StringBuilder(type[..angle]).Append('<');
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

    /// <summary>Splits at the commas outside of <c>&lt;&gt;</c>; an empty list for an empty text.</summary>
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
            depth += text[i] == '<' ? 1 : text[i] == '>' ? -1 : 0;
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
