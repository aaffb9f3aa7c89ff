using System.Collections.Immutable;
using System.Reflection.Metadata;

namespace StackDepot.Naming;

/// <summary>
/// Decodes metadata signatures into <see cref="TypeSyntax"/>: types by namespace and nesting chain, generic parameters
/// by name (the generic context is the names of the declaring type's and the method's parameters).
/// </summary>
internal sealed class TypeSyntaxProvider : ISignatureTypeProvider<TypeSyntax, TypeSyntaxProvider.Context>
{
    /// <summary>The one instance (the provider holds no state).</summary>
    public static readonly TypeSyntaxProvider Instance = new();

    /// <summary>Names of the generic parameters in scope: the declaring type's (every level) and the method's.</summary>
    internal readonly record struct Context(IReadOnlyList<string> TypeParameters, IReadOnlyList<string> MethodParameters);

    public TypeSyntax GetPrimitiveType(PrimitiveTypeCode typeCode) => Named("System", typeCode switch
    {
        PrimitiveTypeCode.IntPtr => "IntPtr",
        PrimitiveTypeCode.UIntPtr => "UIntPtr",
        PrimitiveTypeCode.TypedReference => "TypedReference",
        _ => typeCode.ToString(),
    });

    public TypeSyntax GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
    {
        var chain = new List<TypeDefinition>();
        for (TypeDefinitionHandle current = handle; !current.IsNil && chain.Count < 64; current = reader.GetTypeDefinition(current).GetDeclaringType())
        {
            chain.Insert(0, reader.GetTypeDefinition(current));
        }

        return new TypeSyntax
        {
            Namespace = reader.GetString(chain[0].Namespace),
            Levels = [.. chain.Select(t => Level(reader.GetString(t.Name)))],
        };
    }

    public TypeSyntax GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
    {
        var chain = new List<TypeReference>();
        TypeReference reference = reader.GetTypeReference(handle);
        chain.Add(reference);
        while (reference.ResolutionScope.Kind == HandleKind.TypeReference && chain.Count < 64)
        {
            reference = reader.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
            chain.Insert(0, reference);
        }

        return new TypeSyntax
        {
            Namespace = reader.GetString(chain[0].Namespace),
            Levels = [.. chain.Select(t => Level(reader.GetString(t.Name)))],
        };
    }

    public TypeSyntax GetTypeFromSpecification(MetadataReader reader, Context genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public TypeSyntax GetGenericInstantiation(TypeSyntax genericType, ImmutableArray<TypeSyntax> typeArguments) =>
        new() { Namespace = genericType.Namespace, Levels = TypeSyntax.Instantiate(genericType.Levels, typeArguments) };

    public TypeSyntax GetGenericTypeParameter(Context genericContext, int index) =>
        TypeSyntax.Parameter(index < genericContext.TypeParameters.Count ? genericContext.TypeParameters[index] : "T" + index);

    public TypeSyntax GetGenericMethodParameter(Context genericContext, int index) =>
        TypeSyntax.Parameter(index < genericContext.MethodParameters.Count ? genericContext.MethodParameters[index] : "M" + index);

    public TypeSyntax GetSZArrayType(TypeSyntax elementType) => With(elementType, new TypeModifier(TypeModifierKind.Array, 1));

    public TypeSyntax GetArrayType(TypeSyntax elementType, ArrayShape shape) => With(elementType, new TypeModifier(TypeModifierKind.Array, shape.Rank));

    public TypeSyntax GetPointerType(TypeSyntax elementType) => With(elementType, new TypeModifier(TypeModifierKind.Pointer));

    public TypeSyntax GetByReferenceType(TypeSyntax elementType) => With(elementType, new TypeModifier(TypeModifierKind.ByRef));

    public TypeSyntax GetPinnedType(TypeSyntax elementType) => elementType;

    public TypeSyntax GetModifiedType(TypeSyntax modifier, TypeSyntax unmodifiedType, bool isRequired) => unmodifiedType;

    public TypeSyntax GetFunctionPointerType(MethodSignature<TypeSyntax> signature) => Named("", "delegate*");

    private static TypeSyntax Named(string ns, string name) => new() { Namespace = ns, Levels = [new TypeLevel(name, [], 0)] };

    private static TypeSyntax With(TypeSyntax element, TypeModifier modifier) => element.WithModifiers([.. element.Modifiers, modifier]);

    // "List`1" -> ("List", arity 1).
    private static TypeLevel Level(string metadataName)
    {
        int tick = metadataName.LastIndexOf('`');
        return tick > 0 && int.TryParse(metadataName.AsSpan(tick + 1), out int arity)
            ? new TypeLevel(metadataName[..tick], [], arity)
            : new TypeLevel(metadataName, [], 0);
    }
}
