using System.Diagnostics;
using System.Text;

namespace StackDepot.Pprof.Tests;

/// <summary>
/// Runs <c>go tool pprof</c>, the reference pprof reader (Debian package <c>golang-go</c>, installed by <c>.ci/run</c>).
/// Shared by the test projects that check pprof output.
/// </summary>
internal static class GoPprof
{
    /// <summary>Why tests that need go are skipped, or null when they run: go is on PATH, or CI is set (where a
    /// missing go must fail the tests, not skip them).</summary>
    public static string? SkipReason { get; } = Find() is not null || Environment.GetEnvironmentVariable("CI") is { Length: > 0 }
        ? null
        : "needs go tool pprof: 'go' is not on PATH (install Debian's golang-go, as .ci/run does)";

    /// <summary>Runs <c>go tool pprof ARGS</c> and returns its output; fails the test on a non-zero exit.</summary>
    public static string Run(params string[] args)
    {
        string go = Find() ?? throw new InvalidOperationException("go tool pprof is needed and 'go' is not on PATH: install Debian's golang-go (.ci/run does)");
        string home = Directory.CreateTempSubdirectory("stackdepot-go-").FullName;
        try
        {
            var info = new ProcessStartInfo(go) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("tool");
            info.ArgumentList.Add("pprof");
            foreach (string arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            // pprof keeps copies of fetched profiles under $PPROF_TMPDIR (default $HOME/pprof): keep them out of the way.
            info.Environment["HOME"] = home;
            info.Environment["PPROF_TMPDIR"] = home;
            info.Environment["GOCACHE"] = Path.Combine(home, "cache");
            using var process = Process.Start(info)!;
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) => stderr.AppendLine(e.Data);
            process.BeginErrorReadLine();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("go tool pprof did not finish in 2 minutes");
            }

            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"go tool pprof {string.Join(' ', args)} exited {process.ExitCode}:\n{stderr}\n{stdout}");
            return stdout;
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>The rows of <c>-top</c> output: flat value, cumulative value and the function name.</summary>
    public static List<(double Flat, double Cum, string Name)> TopRows(string top)
    {
        var rows = new List<(double, double, string)>();
        bool inTable = false;
        foreach (string line in top.Split('\n'))
        {
            if (line.TrimStart().StartsWith("flat", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (inTable && parts.Length == 6)
            {
                rows.Add((Number(parts[0]), Number(parts[3]), parts[5]));
            }
        }

        return rows;
    }

    private static double Number(string text)
    {
        // -top prints values with units when the sample type has one (for example 1.50kB, 2MB).
        int end = 0;
        while (end < text.Length && (char.IsDigit(text[end]) || text[end] is '.' or '-'))
        {
            end++;
        }

        double value = double.Parse(text[..end], System.Globalization.CultureInfo.InvariantCulture);
        return text[end..] switch
        {
            "" or "B" => value,
            "kB" => value * 1024,
            "MB" => value * 1024 * 1024,
            "GB" => value * 1024 * 1024 * 1024,
            string unit => throw new FormatException($"unknown unit {unit} in {text}"),
        };
    }

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "go");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return File.Exists("/usr/lib/go/bin/go") ? "/usr/lib/go/bin/go" : null;
    }
}

/// <summary>A test that reads output with <c>go tool pprof</c>: skipped, with the reason, only when go is absent
/// outside CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class GoFactAttribute : FactAttribute
{
    public GoFactAttribute()
    {
        if (GoPprof.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
