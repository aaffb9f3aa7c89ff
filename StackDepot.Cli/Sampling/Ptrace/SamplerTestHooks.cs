namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// Whether test hooks and protection switches of the sampling engine are read: only in a process that sets the runtime
/// switch <c>StackDepot.Cli.EnableTestHooks</c> (the CLI test project does). A static readonly field is a constant to
/// the optimizing JIT, so elsewhere the checks are compiled away.
/// </summary>
internal static class SamplerTestHooks
{
    /// <summary>True when hooks and switches are read.</summary>
    public static readonly bool Enabled = AppContext.TryGetSwitch("StackDepot.Cli.EnableTestHooks", out bool enabled) && enabled;

    /// <summary>The protections switched off in <paramref name="disabled"/>, or none outside tests.</summary>
    public static SamplerProtections Off(SamplerProtections disabled) => Enabled ? disabled : SamplerProtections.None;
}
