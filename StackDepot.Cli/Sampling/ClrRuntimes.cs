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

    /// <summary>Loads the runtime's debugging support (DAC); a failure is one error line naming <paramref name="what"/>:
    /// for a dump, exit code <see cref="ExitCode.BadDump"/> (a dump whose runtime cannot be read is damaged, or was
    /// written by a runtime whose DAC is not here), for a process <see cref="ExitCode.Failure"/>.</summary>
    public static ClrRuntime Create(ClrInfo clr, string what, bool isDump = false)
    {
        try
        {
            return clr.CreateRuntime();
        }
        catch (Exception e) when (e is ClrDiagnosticsException or FileNotFoundException or DllNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            string version = VersionOf(clr);
            throw new CliException(isDump ? ExitCode.BadDump : ExitCode.Failure, isDump && version == "unknown version"
                ? $"{what} is damaged: its .NET runtime's version cannot be read, and its debugging support (DAC) cannot be loaded ({e.Message})"
                : $"cannot load the debugging support (DAC) for .NET {version} of {what}: {e.Message}", e);
        }
    }
}
