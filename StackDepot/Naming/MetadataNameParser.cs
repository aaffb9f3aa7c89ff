using System.Text;

namespace StackDepot.Naming;

/// <summary>
/// Parses method signatures and type names in the forms that out-of-process tools print them:
/// <list type="bullet">
/// <item>the runtime's method signatures (ClrMD's <c>ClrMethod.Signature</c>, SOS):
/// <c>Ns.Outer`1+Inner[[System.Int32, System.Private.CoreLib]].Method[[System.__Canon, System.Private.CoreLib]](Int32, System.String ByRef)</c>;</item>
/// <item>reflection-style type names, with generic arguments for the whole chain in brackets (<c>Task`1[System.Int32]</c>,
/// assembly-qualified or not);</item>
/// <item>per-level angle brackets, as ClrMD's <c>ClrType.Name</c> and the runtime's parameter lists print them
/// (<c>AsyncTaskMethodBuilder&lt;System.Int32&gt;+AsyncStateMachineBox&lt;...&gt;</c>,
/// <c>System.Collections.Generic.List`1&lt;System.__Canon&gt;</c>);</item>
/// <item>modifiers: <c>[]</c>, <c>[,]</c>, <c>*</c>, <c>&amp;</c> and <c> ByRef</c>.</item>
/// </list>
/// Compiler-generated names (<c>&lt;Main&gt;b__0_1</c>, <c>&lt;&lt;Main&gt;$&gt;b__0_1</c>, <c>&lt;&gt;c__DisplayClass1_0</c>) are
/// kept whole. Never throws: input it cannot read gives null.
/// </summary>
internal static class MetadataNameParser
{
    /// <summary>Deeper nesting than this is refused (bounded recursion on any input).</summary>
    private const int MaxDepth = 64;

    /// <summary>Parses a runtime method signature such as ClrMD's <c>ClrMethod.Signature</c>.</summary>
    /// <param name="signature">The signature: declaring type, <c>.</c>, method name with optional generic arguments,
    /// then the parameter list (optional).</param>
    /// <param name="methodName">The method's name as the same tool prints it on its own (ClrMD's
    /// <c>ClrMethod.Name</c>, which may carry generic arguments); it tells where the type ends when the method name
    /// contains dots (explicit interface implementations). Null to split at the last dot.</param>
    /// <returns>The parsed method, or null when <paramref name="signature"/> is not in a form this parser reads.</returns>
    public static MethodSyntax? TryParseSignature(string? signature, string? methodName = null)
    {
        if (string.IsNullOrWhiteSpace(signature))
        {
            return null;
        }

        string text = signature.Trim();
        int open = IndexOfTopLevel(text, '(');
        IReadOnlyList<ParameterSyntax>? parameters = null;
        string head = text;
        if (open >= 0)
        {
            if (text[^1] != ')' || !TryParseParameters(text[(open + 1)..^1], out parameters))
            {
                return null;
            }

            head = text[..open];
        }

        if (!TrySplitMethod(head, methodName, out string typePart, out string namePart)
            || !TrySplitGenericArguments(namePart, out string name, out IReadOnlyList<TypeSyntax> arguments))
        {
            return null;
        }

        TypeSyntax? declaring = null;
        if (typePart.Length > 0 && (declaring = TryParseType(typePart)) is null)
        {
            // "Ns.Type`1[[Arg, Asm]].System.IDisposable.Dispose" with a short method name: the type ends with its
            // generic arguments, and the rest belongs to the method's (explicit interface implementation) name.
            int end = EndOfInstantiation(head);
            if (end < 0 || (declaring = TryParseType(head[..end])) is null)
            {
                return null;
            }

            name = head[(end + 1)..];
            arguments = [];
            if (!TrySplitGenericArguments(name, out name, out arguments))
            {
                return null;
            }
        }

        return new MethodSyntax { DeclaringType = declaring, Name = name, GenericArguments = arguments, Parameters = parameters };
    }

    // The index just past the first top-level "[...]" that is followed by a dot, or -1.
    private static int EndOfInstantiation(string head)
    {
        int depth = 0;
        for (int i = 0; i < head.Length - 1; i++)
        {
            char c = head[i];
            depth = Nest(c, depth);
            if (c == ']' && depth == 0 && head[i + 1] == '.')
            {
                return i + 1;
            }
        }

        return -1;
    }

    /// <summary>Parses a whole type name (all of <paramref name="text"/> must be one type).</summary>
    /// <param name="text">The type name.</param>
    /// <returns>The parsed type, or null.</returns>
    public static TypeSyntax? TryParseType(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var reader = new Reader(text.Trim());
        TypeSyntax? type = reader.ReadType(0);
        return type is not null && reader.AtEnd ? type : null;
    }

    private static bool TryParseParameters(string list, out IReadOnlyList<ParameterSyntax>? parameters)
    {
        parameters = null;
        var result = new List<ParameterSyntax>();
        if (list.Trim().Length == 0)
        {
            parameters = result;
            return true;
        }

        var reader = new Reader(list);
        while (true)
        {
            reader.SkipSpaces();
            TypeSyntax? type = reader.ReadType(0);
            if (type is null)
            {
                return false;
            }

            result.Add(new ParameterSyntax(type));
            reader.SkipSpaces();
            if (reader.AtEnd)
            {
                parameters = result;
                return true;
            }

            if (!reader.TryTake(','))
            {
                return false;
            }
        }
    }

    private static bool TrySplitMethod(string head, string? methodName, out string typePart, out string namePart)
    {
        if (!string.IsNullOrEmpty(methodName))
        {
            if (head == methodName)
            {
                typePart = "";
                namePart = head;
                return true;
            }

            if (head.Length > methodName.Length + 1 && head.EndsWith(methodName, StringComparison.Ordinal)
                && head[head.Length - methodName.Length - 1] == '.')
            {
                typePart = head[..(head.Length - methodName.Length - 1)];
                namePart = methodName;
                return true;
            }
        }

        // Nested type names hold no dots outside generated groups, so after the last '+' the first dot ends the type
        // ("Ns.T+<Run>d__3.System.IDisposable.Dispose"); without nesting, the last dot does (namespaces have dots,
        // and explicit implementations then read the same either way).
        int plus = LastIndexOfTopLevel(head, '+');
        int dot = plus >= 0 ? IndexOfTopLevel(head, '.', plus) : LastIndexOfTopLevel(head, '.');
        if (dot > 0 && head[dot - 1] == '.')
        {
            dot--; // ".ctor" and ".cctor": the name starts with the dot
        }

        typePart = dot < 0 ? "" : head[..dot];
        namePart = dot < 0 ? head : head[(dot + 1)..];
        return namePart.Length > 0;
    }

    // "Start[[X, Asm]]" or "Start<X>" -> ("Start", [X]); generated names such as "<Main>b__0" have none.
    private static bool TrySplitGenericArguments(string namePart, out string name, out IReadOnlyList<TypeSyntax> arguments)
    {
        name = namePart;
        arguments = [];
        char last = namePart[^1];
        if (last != ']' && last != '>')
        {
            return true;
        }

        int open = MatchingOpen(namePart, namePart.Length - 1);
        if (open <= 0)
        {
            return last == '>'; // "<Main>" style names end with '>' only when the whole name is one group
        }

        var reader = new Reader(namePart, open);
        List<TypeSyntax>? list = last == ']' ? reader.ReadBracketArguments(0) : reader.ReadAngleArguments(0);
        if (list is null || !reader.AtEnd)
        {
            return false;
        }

        name = namePart[..open];
        arguments = list;
        return true;
    }

    private static int IndexOfTopLevel(string text, char wanted, int start = 0)
    {
        int depth = 0;
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (depth == 0 && c == wanted)
            {
                return i;
            }

            depth = Nest(c, depth);
        }

        return -1;
    }

    private static int LastIndexOfTopLevel(string text, char wanted)
    {
        int depth = 0;
        for (int i = text.Length - 1; i >= 0; i--)
        {
            char c = text[i];
            if (depth == 0 && c == wanted)
            {
                return i;
            }

            depth = c is ']' or '>' ? depth + 1 : c is '[' or '<' && depth > 0 ? depth - 1 : depth;
        }

        return -1;
    }

    private static int Nest(char c, int depth) => c is '[' or '<' ? depth + 1 : c is ']' or '>' && depth > 0 ? depth - 1 : depth;

    private static int MatchingOpen(string text, int close)
    {
        int depth = 0;
        for (int i = close; i >= 0; i--)
        {
            char c = text[i];
            if (c is ']' or '>')
            {
                depth++;
            }
            else if (c is '[' or '<' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A cursor over a type name; every method returns null (never throws) on input it cannot read.</summary>
    private struct Reader(string text, int position = 0)
    {
        private int _position = position;

        public readonly bool AtEnd => _position >= text.Length;

        private readonly char Peek(int ahead = 0) => _position + ahead < text.Length ? text[_position + ahead] : '\0';

        public bool TryTake(char c)
        {
            if (Peek() != c)
            {
                return false;
            }

            _position++;
            return true;
        }

        public void SkipSpaces()
        {
            while (Peek() == ' ')
            {
                _position++;
            }
        }

        public TypeSyntax? ReadType(int depth)
        {
            if (depth > MaxDepth)
            {
                return null;
            }

            var levels = new List<TypeLevel>();
            var ownArities = new List<int>();
            string ns = "";
            do
            {
                if (!TryReadLevelName(out string name, out int arity, out int namespaceEnd))
                {
                    return null;
                }

                if (levels.Count == 0 && namespaceEnd > 0)
                {
                    ns = name[..namespaceEnd];
                    name = name[(namespaceEnd + 1)..];
                }

                IReadOnlyList<TypeSyntax> arguments = [];
                if (Peek() == '<')
                {
                    _position++;
                    List<TypeSyntax>? list = ReadAngleArgumentsAfterOpen(depth + 1);
                    if (list is null)
                    {
                        return null;
                    }

                    arguments = list;
                }

                ownArities.Add(arity);
                levels.Add(new TypeLevel(name, arguments, arity >= 0 ? arity : arguments.Count));
            }
            while (TryTake('+'));

            if (Peek() == '[' && !IsArraySuffix())
            {
                List<TypeSyntax>? all = ReadBracketArguments(depth + 1);
                if (all is null)
                {
                    return null;
                }

                // Arguments for the whole chain: a level printed without `N takes none, the innermost the rest.
                levels = [.. TypeSyntax.Instantiate([.. levels.Select((l, i) => l with { Arity = Math.Max(ownArities[i], 0) })], all)];
            }

            var modifiers = new List<TypeModifier>();
            while (true)
            {
                if (Peek() == '[' && IsArraySuffix())
                {
                    int rank = 1;
                    _position++;
                    while (Peek() is ',' or '*' or ' ')
                    {
                        rank += Peek() == ',' ? 1 : 0;
                        _position++;
                    }

                    if (!TryTake(']'))
                    {
                        return null;
                    }

                    modifiers.Add(new TypeModifier(TypeModifierKind.Array, rank));
                }
                else if (TryTake('*'))
                {
                    modifiers.Add(new TypeModifier(TypeModifierKind.Pointer));
                }
                else if (TryTake('&'))
                {
                    modifiers.Add(new TypeModifier(TypeModifierKind.ByRef));
                }
                else if (string.CompareOrdinal(text, _position, " ByRef", 0, 6) == 0 && !IsNameChar(Peek(6)))
                {
                    _position += 6;
                    modifiers.Add(new TypeModifier(TypeModifierKind.ByRef));
                }
                else
                {
                    break;
                }
            }

            return new TypeSyntax { Namespace = ns, Levels = levels, Modifiers = modifiers };
        }

        /// <summary>Reads "[A, B]" or "[[A, Asm],[B, Asm]]" from the current '['.</summary>
        public List<TypeSyntax>? ReadBracketArguments(int depth) => TryTake('[') ? ReadArguments(depth, ']', assemblyQualified: true) : null;

        /// <summary>Reads "&lt;A,B&gt;" from the current '&lt;'.</summary>
        public List<TypeSyntax>? ReadAngleArguments(int depth) => TryTake('<') ? ReadAngleArgumentsAfterOpen(depth) : null;

        private List<TypeSyntax>? ReadAngleArgumentsAfterOpen(int depth) => ReadArguments(depth, '>', assemblyQualified: false);

        // Arguments separated by commas up to `close`; in brackets each may be "[Type, Assembly...]".
        private List<TypeSyntax>? ReadArguments(int depth, char close, bool assemblyQualified)
        {
            var list = new List<TypeSyntax>();
            while (true)
            {
                SkipSpaces();
                bool qualified = assemblyQualified && TryTake('[');
                TypeSyntax? argument = ReadType(depth + 1);
                if (argument is null || (qualified && !SkipAssemblyName()))
                {
                    return null;
                }

                list.Add(argument);
                SkipSpaces();
                if (TryTake(close))
                {
                    return list;
                }

                if (!TryTake(','))
                {
                    return null;
                }
            }
        }

        // After "[Type": either "]" or ", Assembly, Version=..., PublicKeyToken=...]".
        private bool SkipAssemblyName()
        {
            SkipSpaces();
            if (TryTake(']'))
            {
                return true;
            }

            if (!TryTake(','))
            {
                return false;
            }

            int nested = 0;
            while (!AtEnd)
            {
                char c = text[_position++];
                if (c == '[')
                {
                    nested++;
                }
                else if (c == ']' && nested-- == 0)
                {
                    return true;
                }
            }

            return false;
        }

        // "[]", "[,]", "[*]" are arrays; "[X" and "[[X" are generic arguments.
        private readonly bool IsArraySuffix() => Peek(1) is ']' or ',' or '*';

        // A simple name, possibly dotted (namespace) and possibly starting with a compiler-generated group such as
        // "<Main>" or "<>": the group is balanced and its dots never split a namespace. Then an optional `N arity.
        private bool TryReadLevelName(out string name, out int arity, out int namespaceEnd)
        {
            var builder = new StringBuilder();
            namespaceEnd = -1;
            arity = -1;
            while (true)
            {
                // A '<' opens a generated group at the start of a name or of a namespace part ("Ns.<Program>F1__Helper",
                // "CS$<>8__locals1"); after other characters it opens generic arguments.
                if (Peek() == '<' && (builder.Length == 0 || builder[^1] == '.' || builder.ToString() == "CS$"))
                {
                    int nested = 0;
                    do
                    {
                        if (AtEnd)
                        {
                            name = "";
                            return false;
                        }

                        char c = text[_position++];
                        nested += c == '<' ? 1 : c == '>' ? -1 : 0;
                        builder.Append(c);
                    }
                    while (nested > 0);
                }
                else if (IsNameChar(Peek()))
                {
                    if (Peek() == '.')
                    {
                        namespaceEnd = builder.Length;
                    }

                    builder.Append(text[_position++]);
                }
                else
                {
                    break;
                }
            }

            if (Peek() == '`')
            {
                _position++;
                int start = _position;
                while (char.IsAsciiDigit(Peek()))
                {
                    _position++;
                }

                if (_position == start || !int.TryParse(text.AsSpan(start, _position - start), out arity))
                {
                    name = "";
                    return false;
                }
            }

            name = builder.ToString();
            if (namespaceEnd == name.Length - 1)
            {
                namespaceEnd = -1; // a trailing dot is part of no namespace
            }

            return name.Length > 0;
        }

        private static bool IsNameChar(char c) => c is not ('\0' or '+' or '[' or ']' or ',' or '<' or '>' or '*' or '&'
            or '`' or ' ' or '(' or ')');
    }
}
