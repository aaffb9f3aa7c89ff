namespace StackDepot.Naming;

/// <summary>
/// A type name taken apart: namespace, the chain of nested types (outermost first, each with its own generic
/// arguments), and modifiers (arrays, pointers, by-reference). Built by <see cref="MetadataNameParser"/> from the
/// strings runtime tools print, or from reflection; rendered by <see cref="ReadableNameFormatter"/>.
/// </summary>
internal sealed class TypeSyntax
{
    private static readonly TypeLevel[] NoLevels = [];

    /// <summary>The namespace of the outermost type; empty when it has none.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>The type and the types it is nested in, outermost first.</summary>
    public IReadOnlyList<TypeLevel> Levels { get; init; } = NoLevels;

    /// <summary>Array ranks, pointers and by-reference marks, innermost first (<c>int*[]</c>: pointer, then array).</summary>
    public IReadOnlyList<TypeModifier> Modifiers { get; init; } = [];

    /// <summary>For a generic parameter (reflection's <c>T</c>): its name; <see cref="Levels"/> is then empty.</summary>
    public string? GenericParameterName { get; init; }

    /// <summary>True for the runtime's placeholder of shared generic code, <c>System.__Canon</c>.</summary>
    public bool IsCanon => GenericParameterName is null && Modifiers.Count == 0 && Levels.Count == 1
        && Levels[0].Name == "__Canon" && Namespace is "System" or "";

    /// <summary>True when the last modifier makes this a by-reference type (<c>ref int</c>, <c>Int32 ByRef</c>).</summary>
    public bool IsByRef => Modifiers.Count > 0 && Modifiers[^1].Kind == TypeModifierKind.ByRef;

    /// <summary>The namespace and type names without generic arguments or arity, nesting joined with <c>+</c>:
    /// <c>System.Runtime.CompilerServices.AsyncTaskMethodBuilder+AsyncStateMachineBox</c>.</summary>
    public string DefinitionKey
    {
        get
        {
            var parts = new string[Levels.Count];
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] = Levels[i].Name;
            }

            string chain = string.Join('+', parts);
            return Namespace.Length == 0 ? chain : Namespace + "." + chain;
        }
    }

    /// <summary>
    /// Gives the generic arguments of a nested type's whole chain (outer levels first, as reflection and metadata list
    /// them) to its levels: each level takes as many as its <see cref="TypeLevel.Arity"/>, the innermost takes the rest
    /// (a name printed without arity suffixes).
    /// </summary>
    public static IReadOnlyList<TypeLevel> Instantiate(IReadOnlyList<TypeLevel> levels, IReadOnlyList<TypeSyntax> arguments)
    {
        var result = new TypeLevel[levels.Count];
        int used = 0;
        for (int i = 0; i < levels.Count; i++)
        {
            int take = i == levels.Count - 1 ? arguments.Count - used : Math.Clamp(levels[i].Arity, 0, arguments.Count - used);
            result[i] = levels[i] with { Arguments = [.. arguments.Skip(used).Take(take)], Arity = Math.Max(levels[i].Arity, take) };
            used += take;
        }

        return result;
    }

    /// <summary>A generic parameter named <paramref name="name"/>.</summary>
    public static TypeSyntax Parameter(string name) => new() { GenericParameterName = name };

    /// <summary>This type with <paramref name="modifiers"/> replacing its modifiers.</summary>
    public TypeSyntax WithModifiers(IReadOnlyList<TypeModifier> modifiers) => new()
    {
        Namespace = Namespace,
        Levels = Levels,
        Modifiers = modifiers,
        GenericParameterName = GenericParameterName,
    };
}
