namespace StackDepot.Cli.Tests;

/// <summary>Copies of built files in a new directory every user may read and enter, for runs as an unprivileged user
/// (who may not be able to enter the checkout: a clone in a directory from mktemp -d is 0700).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class EveryoneCopy
{
    /// <summary>The files of <paramref name="from"/> matching <paramref name="patterns"/>, copied; returns the directory.</summary>
    public static string Make(string from, params string[] patterns)
    {
        DirectoryInfo copy = Directory.CreateTempSubdirectory("stackdepot-copy-");
        File.SetUnixFileMode(copy.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (string file in patterns.SelectMany(p => Directory.EnumerateFiles(from, p)).Distinct())
        {
            string to = Path.Combine(copy.FullName, Path.GetFileName(file));
            File.Copy(file, to);
            File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return copy.FullName;
    }

    /// <summary>The CLI's files (its assemblies and their .deps.json and .runtimeconfig.json).</summary>
    public static string OfCli() => Make(Path.GetDirectoryName(TestPaths.CliDll)!, "*.dll", "StackDepot.Cli.*.json");

    /// <summary>The test target's files.</summary>
    public static string OfTarget() => Make(Path.GetDirectoryName(TestPaths.TargetDll)!, "StackDepot.Cli.Tests.Target.*");

    /// <summary>The command prefix that runs a program as user and group 65534 (nobody), with a home it may use.</summary>
    public static readonly string[] AsNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp"];
}
