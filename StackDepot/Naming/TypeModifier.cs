namespace StackDepot.Naming;

/// <summary>What a <see cref="TypeModifier"/> adds to its element type.</summary>
internal enum TypeModifierKind
{
    /// <summary>An array; <see cref="TypeModifier.Rank"/> says how many dimensions.</summary>
    Array,

    /// <summary>An unmanaged pointer (<c>*</c>).</summary>
    Pointer,

    /// <summary>A managed reference (<c>&amp;</c>, <c>ByRef</c>, C#'s <c>ref</c>).</summary>
    ByRef,
}

/// <summary>An array rank, pointer or by-reference mark applied to a type.</summary>
/// <param name="Kind">What it adds.</param>
/// <param name="Rank">For arrays, the number of dimensions (1 for <c>[]</c>, 2 for <c>[,]</c>); 0 otherwise.</param>
internal readonly record struct TypeModifier(TypeModifierKind Kind, int Rank = 0);
