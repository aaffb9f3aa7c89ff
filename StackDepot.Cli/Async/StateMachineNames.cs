using System.Text.RegularExpressions;

namespace StackDepot.Cli.Async;

/// <summary>
/// Names async methods from their compiler-generated state-machine types, as the user wrote them:
/// <c>Harbor.Customs+&lt;InspectAsync&gt;d__4</c> is <c>Harbor.Customs.InspectAsync</c>. The one place that knows the
/// C# compiler's naming scheme (<c>&lt;Method&gt;d__N</c>, lambdas <c>&lt;Outer&gt;b__N_M</c>, local functions
/// <c>&lt;Outer&gt;g__Local|N_M</c>, closure classes <c>&lt;&gt;c</c> and <c>&lt;&gt;c__DisplayClassN_M</c>).
/// </summary>
internal static partial class StateMachineNames
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
        Match last = Match.Empty;
        for (Match m = StateMachine().Match(stateMachineType); m.Success; m = m.NextMatch())
        {
            last = m;
        }

        if (!last.Success)
        {
            return false;
        }

        kickoff = last.Groups["kickoff"].Value;
        method = Readable(kickoff);
        closureType = stateMachineType[..last.Index];
        declaringType = ClosureClass().Replace(closureType, string.Empty);
        return declaringType.Length > 0;
    }

    /// <summary>A compiler-generated method name made readable: <c>&lt;Main&gt;b__0_0</c> is <c>Main.lambda</c>,
    /// <c>&lt;Main&gt;g__Local|0_0</c> is <c>Main.Local</c>; other names are returned as they are.</summary>
    internal static string Readable(string name)
    {
        Match m = Generated().Match(name);
        if (!m.Success)
        {
            return name;
        }

        string outer = m.Groups["outer"].Value;
        return m.Groups["local"].Success ? outer + "." + m.Groups["local"].Value : outer + ".lambda";
    }

    /// <summary>"+&lt;Name&gt;d__N" (or "+&lt;Name&gt;d" for lambdas), Name possibly itself "&lt;Outer&gt;b__0_0", at the end or before generic arguments.</summary>
    [GeneratedRegex(@"\+<(?<kickoff><[^<>]*>[^<>+]*|[^<>+]+)>d(?:__\d+)?(?=<|$)", RegexOptions.CultureInvariant)]
    private static partial Regex StateMachine();

    [GeneratedRegex(@"(?:\+<>c(?:__DisplayClass[\d_]+)?)+$", RegexOptions.CultureInvariant)]
    private static partial Regex ClosureClass();

    [GeneratedRegex(@"^<(?<outer>[^<>]+)>(?:g__(?<local>[^|]+)\|[\d_]+|[a-z]__[\d_]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Generated();
}
