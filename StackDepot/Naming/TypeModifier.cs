namespace StackDepot.Naming;

/// <summary>An array rank, pointer or by-reference mark applied to a type.</summary>
/// <param name="Kind">What it adds.</param>
/// <param name="Rank">For arrays, the number of dimensions (1 for <c>[]</c>, 2 for <c>[,]</c>); 0 otherwise.</param>
internal readonly record struct TypeModifier(TypeModifierKind Kind, int Rank = 0);
