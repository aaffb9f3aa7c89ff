namespace StackDepot.Naming;

/// <summary>One type in a chain of nested types.</summary>
/// <param name="Name">The simple name without its arity suffix (<c>List</c>, <c>&lt;ProcessRequests&gt;d__237</c>).</param>
/// <param name="Arguments">The generic arguments this level declares itself (not those of the types around it);
/// empty for a non-generic type or a generic definition printed without arguments.</param>
/// <param name="Arity">How many generic parameters this level declares itself (the <c>`N</c> suffix), or the number of
/// its arguments when the name had no suffix.</param>
internal readonly record struct TypeLevel(string Name, IReadOnlyList<TypeSyntax> Arguments, int Arity);
