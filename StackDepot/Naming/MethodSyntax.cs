namespace StackDepot.Naming;

/// <summary>
/// A method taken apart: declaring type, name, generic arguments and parameters, plus what is known about the names
/// of the generic parameters (runtime tools print <c>System.__Canon</c> for shared generic code; the names come from
/// metadata when the caller has it).
/// </summary>
internal sealed class MethodSyntax
{
    /// <summary>The declaring type; null for global methods.</summary>
    public TypeSyntax? DeclaringType { get; init; }

    /// <summary>The metadata name of the method, without generic arguments (<c>MoveNext</c>,
    /// <c>&lt;Main&gt;b__0_1</c>, <c>System.Collections.IEnumerable.GetEnumerator</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The method's own generic arguments; empty when it has none (or they were not printed).</summary>
    public IReadOnlyList<TypeSyntax> GenericArguments { get; init; } = [];

    /// <summary>The parameters; null when they are not known.</summary>
    public IReadOnlyList<ParameterSyntax>? Parameters { get; init; }

    /// <summary>Names of the declaring type's generic parameters, for every level of nesting, outermost first (as
    /// metadata lists them for a nested type); null when not known.</summary>
    public IReadOnlyList<string>? TypeParameterNames { get; init; }

    /// <summary>Names of the method's own generic parameters; null when not known.</summary>
    public IReadOnlyList<string>? MethodParameterNames { get; init; }

    /// <summary>
    /// For compiler-generated code (a state machine's <c>MoveNext</c>, a lambda, a local function): the parameters of
    /// the method it was written in, when the caller could look them up; null when not known (they print as
    /// <c>()</c>).
    /// </summary>
    public IReadOnlyList<ParameterSyntax>? WrittenMethodParameters { get; init; }

    /// <summary>For the state machine of an async local function or local iterator: the local function's own
    /// parameters, when the caller could look them up; null when not known (they print as <c>()</c>).</summary>
    public IReadOnlyList<ParameterSyntax>? LocalFunctionParameters { get; init; }
}
