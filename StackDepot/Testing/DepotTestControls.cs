using System.Runtime.CompilerServices;

namespace StackDepot.Testing;

/// <summary>
/// A depot's test hook and protection switches, shared by the depot and its reclamation objects (internal,
/// test-only). Read only in a process that sets the runtime switch <c>StackDepot.EnableTestHooks</c> (the test project
/// does): <see cref="Enabled"/> is a static readonly field, a constant to the optimizing JIT, so elsewhere every check
/// below is compiled away.
/// </summary>
internal sealed class DepotTestControls
{
    /// <summary>True only in processes that set the runtime switch <c>StackDepot.EnableTestHooks</c>.</summary>
    public static readonly bool Enabled = AppContext.TryGetSwitch("StackDepot.EnableTestHooks", out bool enabled) && enabled;

    /// <summary>Called at each <see cref="DepotHookPoint"/> with the record's handle value (set by tests).</summary>
    public Action<DepotHookPoint, uint>? Hook;

    /// <summary>Protections switched off, to prove that the tests guarding them have teeth (set by tests).</summary>
    public DepotProtections Disabled;

    /// <summary>The hook of <paramref name="controls"/>, or null when test hooks are not enabled in this process.
    /// Static, so that outside test processes not even the reference to <paramref name="controls"/> is read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Action<DepotHookPoint, uint>? HookOf(DepotTestControls controls) => Enabled ? controls.Hook : null;

    /// <summary>True when <paramref name="protection"/> is switched off in <paramref name="controls"/> (never
    /// outside test processes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsOff(DepotTestControls controls, DepotProtections protection) => Enabled && (controls.Disabled & protection) != 0;
}
