using System.Diagnostics;

namespace StackDepot.Cli.Tests;

/// <summary>Runs small system commands (mkfifo, mknod, mount, stat) for the tests.</summary>
internal static class Shell
{
    /// <summary>Runs <paramref name="file"/> and returns its exit code and stdout (stderr appended).</summary>
    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs a command that must succeed.</summary>
    public static void Must(string file, params string[] args)
    {
        (int code, string output) = Run(file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)}: exit {code}: {output}");
    }

    /// <summary>The type of a file as <c>stat</c> names it, without following a final symlink ("regular file",
    /// "symbolic link", "fifo", "character special file", "socket", ...).</summary>
    public static string FileType(string path)
    {
        (int code, string output) = Run("stat", "-c", "%F", path);
        Assert.True(code == 0, output);
        return output.Trim();
    }

    /// <summary>True when this process may create device nodes and mount file systems (root in the init namespace,
    /// or CAP_SYS_ADMIN and CAP_MKNOD).</summary>
    public static bool IsRoot => Environment.UserName == "root";
}
