using System.Runtime.InteropServices;

namespace StackDepot.Cli.Hosting;

/// <summary>Finds the <c>dotnet</c> host that runs framework-dependent apps such as the demo workload.</summary>
internal static class DotnetHost
{
    /// <summary>The path of the dotnet host: this process's host when it is one, else DOTNET_HOST_PATH, DOTNET_ROOT,
    /// the root above the running shared framework, or <c>dotnet</c> on the PATH.</summary>
    public static string Find()
    {
        string exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && string.Equals(Path.GetFileName(self), exe, StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        foreach (string? candidate in new[]
                 {
                     Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
                     Combine(Environment.GetEnvironmentVariable("DOTNET_ROOT"), exe),
                     // .../shared/Microsoft.NETCore.App/<version>/ -> ...
                     Combine(Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")), exe),
                 })
        {
            if (candidate is not null && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return exe;
    }

    private static string? Combine(string? directory, string file) => string.IsNullOrEmpty(directory) ? null : Path.Combine(directory, file);
}
