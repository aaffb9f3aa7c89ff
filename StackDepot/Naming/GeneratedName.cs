namespace StackDepot.Naming;

/// <summary>What a compiler-generated name stands for.</summary>
internal enum GeneratedNameKind
{
    /// <summary>Not a generated name this reader knows.</summary>
    None,

    /// <summary><c>&lt;Main&gt;b__0_1</c>: a lambda (or anonymous method) written in <c>Main</c>.</summary>
    Lambda,

    /// <summary><c>&lt;Main&gt;g__Local|0_0</c>: the local function <c>Local</c> written in <c>Main</c>.</summary>
    LocalFunction,

    /// <summary><c>&lt;Run&gt;d__3</c>: the state machine of an async method, iterator or async iterator <c>Run</c>
    /// (<c>&lt;&lt;Main&gt;g__Local|0_0&gt;d</c> for a local function, <c>&lt;&lt;Main&gt;b__0_1&gt;d</c> for a lambda).</summary>
    StateMachine,

    /// <summary><c>&lt;&gt;c</c> (the cache of lambdas that capture nothing) or <c>&lt;&gt;c__DisplayClass1_0</c> (a closure).</summary>
    Closure,
}

/// <summary>
/// Reads the names the C# compiler gives to code it generates: <c>&lt;</c> + the name of the method the code was
/// written in (itself possibly generated) + <c>&gt;</c> + a kind letter + a suffix. The letters are Roslyn's
/// <c>GeneratedNameKind</c>: <c>b</c> lambda, <c>g</c> local function, <c>d</c> state machine, <c>c</c> closure class.
/// </summary>
/// <param name="Kind">What the name stands for.</param>
/// <param name="Inner">The name between the outer angle brackets: the method the code was written in (for a state
/// machine: the method it implements, which may be a lambda or local function).</param>
/// <param name="LocalName">For a local function, its name as written.</param>
internal readonly record struct GeneratedName(GeneratedNameKind Kind, string Inner, string? LocalName)
{
    /// <summary>Reads <paramref name="name"/>; <see cref="GeneratedNameKind.None"/> for anything else.</summary>
    public static GeneratedName Parse(string name)
    {
        if (name.Length < 3 || name[0] != '<')
        {
            return default;
        }

        int close = MatchingClose(name);
        if (close < 0 || close + 1 >= name.Length)
        {
            return default;
        }

        string inner = name[1..close];
        string suffix = name[(close + 2)..];
        switch (name[close + 1])
        {
            case 'b' when inner.Length > 0:
                return new GeneratedName(GeneratedNameKind.Lambda, inner, null);
            case 'g' when inner.Length > 0 && suffix.StartsWith("__", StringComparison.Ordinal):
                int bar = suffix.IndexOf('|', StringComparison.Ordinal);
                string local = bar > 2 ? suffix[2..bar] : suffix[2..];
                return local.Length > 0 ? new GeneratedName(GeneratedNameKind.LocalFunction, inner, local) : default;
            case 'd' when inner.Length > 0:
                return new GeneratedName(GeneratedNameKind.StateMachine, inner, null);
            case 'c' when inner.Length == 0:
                return new GeneratedName(GeneratedNameKind.Closure, inner, null);
            default:
                return default;
        }
    }

    /// <summary>
    /// The name a person wrote for the method named <paramref name="inner"/> inside a generated name: the entry point of
    /// top-level statements, <c>&lt;Main&gt;$</c>, is <c>Main</c>; other names are returned unchanged.
    /// </summary>
    public static string WrittenMethodName(string inner) => inner == "<Main>$" ? "Main" : inner;

    private static int MatchingClose(string name)
    {
        int depth = 0;
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] == '<')
            {
                depth++;
            }
            else if (name[i] == '>' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }
}
