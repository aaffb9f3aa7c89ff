using Microsoft.Diagnostics.Runtime;

namespace StackDepot.Cli.Sampling;

/// <summary>Finding and loading the .NET runtime of a ClrMD target (process or dump).</summary>
internal static class ClrRuntimes
{
    /// <summary>The runtime version: ClrMD's, or on Linux the shared-framework directory the runtime was loaded from.</summary>
    public static string VersionOf(ClrInfo clr)
    {
        if (clr.Version is { Major: > 0 } version)
        {
            return version.ToString();
        }

        string? directory = Path.GetFileName(Path.GetDirectoryName(clr.ModuleInfo.FileName));
        return directory is not null && Version.TryParse(directory.Split('-')[0], out _) ? directory : "unknown version";
    }

    /// <summary>The CoreCLR runtime of a target, or its first runtime of another flavour; null without one.</summary>
    public static ClrInfo? Find(DataTarget target) =>
        target.ClrVersions.FirstOrDefault(c => c.Flavor == ClrFlavor.Core) ?? target.ClrVersions.FirstOrDefault();

    /// <summary>Loads the runtime's debugging support (DAC); a failure is one error line naming <paramref name="what"/>.</summary>
    public static ClrRuntime Create(ClrInfo clr, string what)
    {
        try
        {
            return clr.CreateRuntime();
        }
        catch (Exception e) when (e is ClrDiagnosticsException or FileNotFoundException or DllNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            throw new CliException(ExitCode.Failure,
                $"cannot load the debugging support (DAC) for .NET {clr.Version} of {what}: {e.Message}", e);
        }
    }
}
