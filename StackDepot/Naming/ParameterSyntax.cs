namespace StackDepot.Naming;

/// <summary>A method parameter: its type and, for by-reference parameters, how it is passed.</summary>
/// <param name="Type">The parameter type. A by-reference type (<see cref="TypeSyntax.IsByRef"/>) prints as
/// <paramref name="Modifier"/> followed by its element type.</param>
/// <param name="Modifier"><c>ref</c>, <c>out</c> or <c>in</c> for by-reference parameters when known; null otherwise
/// (a by-reference type then prints as <c>ref</c>).</param>
internal readonly record struct ParameterSyntax(TypeSyntax Type, string? Modifier = null);
