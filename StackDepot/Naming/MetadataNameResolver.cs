using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace StackDepot.Naming;

/// <summary>
/// Adds to a method name parsed from a runtime tool's string what only the assembly's metadata knows, so that
/// out-of-process names read as the in-process ones: the names of generic parameters (where the runtime printed
/// <c>System.__Canon</c>), <c>out</c> and <c>in</c>, and for compiler-generated code the parameters of the method it
/// was written in (<c>PlainAsync(int)</c> rather than <c>PlainAsync()</c>). Reads the assembly file once per module,
/// keyed by path and build id like <see cref="Capture.SourceLineResolver"/>. Thread-safe; never throws for a missing
/// or unreadable file (the name is returned as parsed).
/// </summary>
internal sealed class MetadataNameResolver : IDisposable
{
    private readonly Dictionary<(string Path, Guid BuildId), PEReader?> _modules = [];
    private bool _disposed;

    /// <summary>Completes <paramref name="parsed"/> from the metadata of the method <paramref name="methodToken"/>.</summary>
    /// <param name="parsed">The method as parsed from the runtime's string (its instantiation is kept).</param>
    /// <param name="assemblyPath">The assembly file (as this process can open it).</param>
    /// <param name="buildId">The loaded module's MVID or CodeView id; <see cref="Guid.Empty"/> trusts the file.</param>
    /// <param name="methodToken">The MethodDef token of the method.</param>
    /// <returns>The completed method, or <paramref name="parsed"/> when the metadata cannot be read.</returns>
    public MethodSyntax Resolve(MethodSyntax parsed, string assemblyPath, Guid buildId, int methodToken)
    {
        if ((methodToken >> 24) != 0x06 || string.IsNullOrEmpty(assemblyPath))
        {
            return parsed;
        }

        lock (_modules)
        {
            if (_disposed)
            {
                return parsed;
            }

            if (!_modules.TryGetValue((assemblyPath, buildId), out PEReader? pe))
            {
                pe = Capture.AssemblyFile.TryOpen(assemblyPath, buildId);
                _modules.Add((assemblyPath, buildId), pe);
            }

            try
            {
                return pe is null ? parsed : Complete(parsed, pe.GetMetadataReader(), MetadataTokens.MethodDefinitionHandle(methodToken & 0xFFFFFF));
            }
            catch (BadImageFormatException)
            {
                return parsed;
            }
        }
    }

    /// <summary>Closes the assembly files.</summary>
    public void Dispose()
    {
        lock (_modules)
        {
            _disposed = true;
            foreach (PEReader? pe in _modules.Values)
            {
                pe?.Dispose();
            }

            _modules.Clear();
        }
    }

    /// <summary>Completes <paramref name="parsed"/> from <paramref name="reader"/> (exposed for tests).</summary>
    internal static MethodSyntax Complete(MethodSyntax parsed, MetadataReader reader, MethodDefinitionHandle handle)
    {
        if (handle.IsNil || MetadataTokens.GetRowNumber(handle) > reader.MethodDefinitions.Count)
        {
            return parsed;
        }

        MethodDefinition method = reader.GetMethodDefinition(handle);
        TypeDefinitionHandle declaring = method.GetDeclaringType();
        string[] typeParameters = GenericParameterNames(reader, reader.GetTypeDefinition(declaring).GetGenericParameters());
        string[] methodParameters = GenericParameterNames(reader, method.GetGenericParameters());
        IReadOnlyList<ParameterSyntax> defined = DecodeParameters(reader, method, typeParameters, methodParameters);
        (List<ParameterSyntax>? written, List<ParameterSyntax>? local) = WrittenMethodParameters(reader, method, declaring);
        return new MethodSyntax
        {
            DeclaringType = parsed.DeclaringType,
            Name = parsed.Name,
            GenericArguments = parsed.GenericArguments,
            Parameters = Merge(parsed.Parameters, defined),
            TypeParameterNames = parsed.TypeParameterNames ?? (typeParameters.Length > 0 ? typeParameters : null),
            MethodParameterNames = parsed.MethodParameterNames ?? (methodParameters.Length > 0 ? methodParameters : null),
            WrittenMethodParameters = parsed.WrittenMethodParameters ?? written,
            LocalFunctionParameters = parsed.LocalFunctionParameters ?? local,
        };
    }

    // The runtime's types are kept (they carry the instantiation) unless they hold System.__Canon, where the metadata's
    // parameter names say more; out and in come from the metadata.
    private static IReadOnlyList<ParameterSyntax>? Merge(IReadOnlyList<ParameterSyntax>? runtime, IReadOnlyList<ParameterSyntax> defined)
    {
        if (runtime is null || runtime.Count != defined.Count)
        {
            return runtime ?? defined;
        }

        var merged = new ParameterSyntax[runtime.Count];
        for (int i = 0; i < merged.Length; i++)
        {
            merged[i] = HoldsCanon(runtime[i].Type) ? defined[i] : runtime[i] with { Modifier = defined[i].Modifier };
        }

        return merged;
    }

    private static bool HoldsCanon(TypeSyntax type) =>
        type.IsCanon || type.Levels.Any(l => l.Arguments.Any(HoldsCanon));

    // For a state machine's method, a lambda or a local function: the parameters of the method it was written in (the
    // one GeneratedName rules print before +lambda, +Local() or as the async method itself), and for the state machine
    // of a local function, the local function's own.
    private static (List<ParameterSyntax>? Written, List<ParameterSyntax>? Local) WrittenMethodParameters(MetadataReader reader, MethodDefinition method, TypeDefinitionHandle declaring)
    {
        string name = reader.GetString(method.Name);
        TypeDefinitionHandle host = declaring;
        string? writtenIn = null;
        TypeDefinitionHandle stateMachine = default;
        for (int depth = 0; !host.IsNil && depth < 16; depth++)
        {
            GeneratedName level = GeneratedName.Parse(reader.GetString(reader.GetTypeDefinition(host).Name));
            if (level.Kind == GeneratedNameKind.StateMachine)
            {
                (writtenIn, stateMachine) = (level.Inner, host);
            }
            else if (level.Kind != GeneratedNameKind.Closure)
            {
                break;
            }

            host = reader.GetTypeDefinition(host).GetDeclaringType();
        }

        if (host.IsNil)
        {
            return (null, null);
        }

        TypeDefinition hostType = reader.GetTypeDefinition(host);
        List<ParameterSyntax>? local = null;
        writtenIn ??= name;
        GeneratedName generated = GeneratedName.Parse(writtenIn);
        if (generated.Kind is GeneratedNameKind.Lambda or GeneratedNameKind.LocalFunction)
        {
            if (generated.Kind == GeneratedNameKind.LocalFunction && !stateMachine.IsNil)
            {
                local = ParametersOf(reader, hostType, writtenIn, default); // the local function's metadata name is unique
            }

            writtenIn = generated.Inner;
            stateMachine = default; // the attribute names the lambda's state machine, not the method it was written in
        }
        else if (stateMachine.IsNil)
        {
            return (null, null); // not compiler-generated code
        }

        return (ParametersOf(reader, hostType, writtenIn, stateMachine), local);
    }

    // The parameters of the one method of hostType named name; with overloads, the one whose
    // [AsyncStateMachine]/[IteratorStateMachine] names stateMachine. Null when it cannot be told.
    private static List<ParameterSyntax>? ParametersOf(MetadataReader reader, TypeDefinition hostType, string name, TypeDefinitionHandle stateMachine)
    {
        var candidates = hostType.GetMethods().Where(m => reader.StringComparer.Equals(reader.GetMethodDefinition(m).Name, name)).ToList();
        if (candidates.Count > 1 && !stateMachine.IsNil)
        {
            string target = FullName(reader, stateMachine);
            candidates = candidates.Where(m => NamesStateMachine(reader, reader.GetMethodDefinition(m), target)).ToList();
        }

        if (candidates.Count != 1)
        {
            return null;
        }

        MethodDefinition written = reader.GetMethodDefinition(candidates[0]);
        return DecodeParameters(reader, written, GenericParameterNames(reader, hostType.GetGenericParameters()),
            GenericParameterNames(reader, written.GetGenericParameters()));
    }

    private static List<ParameterSyntax> DecodeParameters(MetadataReader reader, MethodDefinition method, string[] typeParameters, string[] methodParameters)
    {
        MethodSignature<TypeSyntax> signature = method.DecodeSignature(TypeSyntaxProvider.Instance, new TypeSyntaxProvider.Context(typeParameters, methodParameters));
        var modifiers = new string?[signature.ParameterTypes.Length];
        foreach (ParameterHandle handle in method.GetParameters())
        {
            Parameter parameter = reader.GetParameter(handle);
            int index = parameter.SequenceNumber - 1; // 0 is the return value
            if (index < 0 || index >= modifiers.Length || !signature.ParameterTypes[index].IsByRef)
            {
                continue;
            }

            modifiers[index] = (parameter.Attributes & ParameterAttributes.Out) != 0 && (parameter.Attributes & ParameterAttributes.In) == 0 ? "out"
                : HasAttribute(reader, parameter.GetCustomAttributes(), "System.Runtime.CompilerServices", "IsReadOnlyAttribute") ? "in"
                : "ref";
        }

        return [.. signature.ParameterTypes.Select((type, i) => new ParameterSyntax(type, modifiers[i]))];
    }

    private static string[] GenericParameterNames(MetadataReader reader, GenericParameterHandleCollection parameters) =>
        [.. parameters.Select(p => reader.GetString(reader.GetGenericParameter(p).Name))];

    private static bool NamesStateMachine(MetadataReader reader, MethodDefinition method, string stateMachine)
    {
        foreach (CustomAttributeHandle handle in method.GetCustomAttributes())
        {
            CustomAttribute attribute = reader.GetCustomAttribute(handle);
            if (!AttributeTypeName(reader, attribute).Name.EndsWith("StateMachineAttribute", StringComparison.Ordinal))
            {
                continue;
            }

            // The blob: prolog 0x0001, then the System.Type argument as a serialized type name.
            BlobReader blob = reader.GetBlobReader(attribute.Value);
            if (blob.Length >= 2 && blob.ReadUInt16() == 1 && blob.ReadSerializedString() is { } type
                && (type == stateMachine || type.StartsWith(stateMachine + ",", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAttribute(MetadataReader reader, CustomAttributeHandleCollection attributes, string ns, string name)
    {
        foreach (CustomAttributeHandle handle in attributes)
        {
            (string attributeNs, string attributeName) = AttributeTypeName(reader, reader.GetCustomAttribute(handle));
            if (attributeName == name && attributeNs == ns)
            {
                return true;
            }
        }

        return false;
    }

    private static (string Namespace, string Name) AttributeTypeName(MetadataReader reader, CustomAttribute attribute)
    {
        EntityHandle type = attribute.Constructor.Kind switch
        {
            HandleKind.MemberReference => reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent,
            HandleKind.MethodDefinition => reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(),
            _ => default,
        };
        return type.Kind switch
        {
            HandleKind.TypeReference => (reader.GetString(reader.GetTypeReference((TypeReferenceHandle)type).Namespace), reader.GetString(reader.GetTypeReference((TypeReferenceHandle)type).Name)),
            HandleKind.TypeDefinition => (reader.GetString(reader.GetTypeDefinition((TypeDefinitionHandle)type).Namespace), reader.GetString(reader.GetTypeDefinition((TypeDefinitionHandle)type).Name)),
            _ => ("", ""),
        };
    }

    // "Ns.Outer+Inner" as serialized type names write it.
    private static string FullName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        TypeDefinition type = reader.GetTypeDefinition(handle);
        TypeDefinitionHandle outer = type.GetDeclaringType();
        string name = reader.GetString(type.Name);
        if (!outer.IsNil)
        {
            return FullName(reader, outer) + "+" + name;
        }

        string ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}
