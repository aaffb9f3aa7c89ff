namespace StackDepot.Cli.Async;

/// <summary>
/// Names async methods from their compiler-generated state-machine types, as the user wrote them:
/// <c>Harbor.Customs+&lt;InspectAsync&gt;d__4</c> is <c>Harbor.Customs.InspectAsync</c>. The one place that knows the
/// C# compiler's naming scheme (<c>&lt;Method&gt;d__N</c>, lambdas <c>&lt;Outer&gt;b__N_M</c>, local functions
/// <c>&lt;Outer&gt;g__Local|N_M</c>, top-level statements <c>&lt;Main&gt;$</c>, closure classes <c>&lt;&gt;c</c> and
/// <c>&lt;&gt;c__DisplayClassN_M</c>).
/// </summary>
internal static class StateMachineNames
{
    /// <summary>
    /// Splits a state-machine type name into the type that declares the async method and the method's name.
    /// </summary>
    /// <param name="stateMachineType">The full type name, for example
    /// <c>Harbor.Customs+&lt;InspectAsync&gt;d__4</c> or <c>App.Program+&lt;&gt;c+&lt;&lt;Main&gt;b__0_0&gt;d</c>.</param>
    /// <param name="declaringType">The declaring type without compiler-generated closure classes
    /// (<c>Harbor.Customs</c>).</param>
    /// <param name="method">The method as written: <c>InspectAsync</c>, <c>Main.lambda</c> for a lambda in Main,
    /// <c>Main.Local</c> for a local function Local in Main.</param>
    /// <param name="kickoff">The name of the method that starts the state machine in metadata
    /// (<c>InspectAsync</c>, <c>&lt;Main&gt;b__0_0</c>), to look it up.</param>
    /// <param name="closureType">The type that declares <paramref name="kickoff"/> (with closure classes).</param>
    /// <returns>False when the name is not a compiler-generated async state machine.</returns>
    public static bool TrySplit(string stateMachineType, out string declaringType, out string method, out string kickoff, out string closureType)
    {
        ArgumentNullException.ThrowIfNull(stateMachineType);
        declaringType = method = kickoff = closureType = string.Empty;

        // The state machine is the last nested type "+<kickoff>d" or "+<kickoff>d__N", maybe with generic arguments.
        for (int plus = stateMachineType.LastIndexOf("+<", StringComparison.Ordinal); plus > 0;
             plus = stateMachineType.LastIndexOf("+<", plus - 1, StringComparison.Ordinal))
        {
            int close = MatchingClose(stateMachineType, plus + 1);
            if (close < 0 || !IsStateMachineSuffix(stateMachineType.AsSpan(close + 1)))
            {
                continue;
            }

            kickoff = stateMachineType[(plus + 2)..close];
            if (kickoff.Length == 0)
            {
                continue;
            }

            method = Readable(kickoff);
            closureType = stateMachineType[..plus];
            declaringType = WithoutClosureClasses(closureType);
            return declaringType.Length > 0;
        }

        return false;
    }

    /// <summary>A compiler-generated method name made readable: <c>&lt;Main&gt;b__0_0</c> is <c>Main.lambda</c>,
    /// <c>&lt;Main&gt;g__Local|0_0</c> is <c>Main.Local</c>, <c>&lt;Main&gt;$</c> is <c>Main</c>; other names are
    /// returned as they are.</summary>
    internal static string Readable(string name)
    {
        if (name.Length == 0 || name[0] != '<')
        {
            return name;
        }

        int close = MatchingClose(name, 0);
        if (close < 0)
        {
            return name;
        }

        string outer = Readable(name[1..close]);
        string rest = name[(close + 1)..];
        if (rest == "$")
        {
            return outer;
        }

        if (rest.StartsWith("g__", StringComparison.Ordinal))
        {
            string local = rest[3..];
            int bar = local.IndexOf('|', StringComparison.Ordinal);
            return outer + "." + (bar >= 0 ? local[..bar] : local);
        }

        return outer + ".lambda";
    }

    /// <summary>The index of the '&gt;' that closes the '&lt;' at <paramref name="open"/>, or -1.</summary>
    private static int MatchingClose(string text, int open)
    {
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '<')
            {
                depth++;
            }
            else if (text[i] == '>' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>"d", or "d__" and digits, then the end or a generic argument list up to the end.</summary>
    private static bool IsStateMachineSuffix(ReadOnlySpan<char> rest)
    {
        if (rest.Length == 0 || rest[0] != 'd')
        {
            return false;
        }

        int i = 1;
        if (rest[i..].StartsWith("__"))
        {
            i += 2;
            int digits = i;
            while (i < rest.Length && char.IsAsciiDigit(rest[i]))
            {
                i++;
            }

            if (i == digits)
            {
                return false;
            }
        }

        return i == rest.Length || (rest[i] == '<' && rest[^1] == '>');
    }

    /// <summary>Drops trailing compiler-generated closure classes: <c>App.Program+&lt;&gt;c</c> is <c>App.Program</c>.</summary>
    private static string WithoutClosureClasses(string type)
    {
        while (true)
        {
            int plus = type.LastIndexOf("+<>c", StringComparison.Ordinal);
            if (plus < 0 || (plus + 4 < type.Length && !type.AsSpan(plus + 4).StartsWith("__DisplayClass")))
            {
                return type;
            }

            type = type[..plus];
        }
    }
}
