using StackDepot.Naming;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// A method of the target as read while attached: its runtime signature, the parsed name, what kind of frame it makes,
/// and where its metadata and PDB are, so that the readable name and the source lines can be completed after the
/// target is released.
/// </summary>
/// <param name="Raw">The runtime's signature (<c>ClrMethod.Signature</c>), printed with <c>--raw-names</c>.</param>
/// <param name="Parsed">The signature taken apart (with ClrMD's generic parameter names); null when unreadable.</param>
/// <param name="WrittenMethod">The method a person wrote that the frame belongs to (<c>Namespace.Type.Method</c>);
/// an async method's stub and its state machine share it.</param>
/// <param name="IsStateMachine">The body of an async method or iterator.</param>
/// <param name="IsPlumbing">The runtime's async and task plumbing, left out unless <c>--runtime-frames</c>.</param>
/// <param name="Module">The module's file name without extension, for reports.</param>
/// <param name="AssemblyPath">The module's file as this process can open it; null for in-memory modules.</param>
/// <param name="BuildId">The id of the loaded image (its CodeView entry); empty when unknown.</param>
/// <param name="Token">The method's metadata token.</param>
internal sealed record ClrMethodName(
    string Raw,
    MethodSyntax? Parsed,
    string WrittenMethod,
    bool IsStateMachine,
    bool IsPlumbing,
    string? Module,
    string? AssemblyPath,
    Guid BuildId,
    int Token);
