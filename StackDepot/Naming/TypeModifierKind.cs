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
