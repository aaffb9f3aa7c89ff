using System.Diagnostics;
using BenchmarkDotNet.Running;
using StackDepot.Benchmarks.Harness;

namespace StackDepot.Benchmarks;

/// <summary>
/// <c>--quick</c>: every scenario once with a Stopwatch (under a minute), ratios printed.
/// <c>--scenarios [--repeats N] [--out FILE]</c>: the same harness, N runs (default 5), medians; FILE gets the
/// markdown tables. <c>--full [--out FILE]</c>: the BenchmarkDotNet comparison classes, then the scenarios.
/// <c>--probe</c> and <c>--probe-loop CONTENDER hot|cold SECONDS</c>: pieces of a hit, and one contender's hit loop
/// to profile (see docs/benchmarks.md). Anything else goes to BenchmarkDotNet's switcher (every benchmark class of
/// this assembly).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string? outFile = Option(args, "--out");
        if (args.Contains("--probe-loop"))
        {
            int i = Array.IndexOf(args, "--probe-loop");
            Probe.Loop(args[i + 1], args[i + 2] == "hot", double.Parse(args[i + 3], System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }

        if (args.Contains("--probe"))
        {
            Probe.Run();
            return 0;
        }

        if (args.Contains("--quick"))
        {
            return Scenarios(quick: true, repeats: 1, outFile);
        }

        if (args.Contains("--scenarios"))
        {
            return Scenarios(quick: false, int.Parse(Option(args, "--repeats") ?? "5"), outFile);
        }

        if (args.Contains("--full"))
        {
            var sw = Stopwatch.StartNew();
            string artifacts = Option(args, "--artifacts") ?? "BenchmarkDotNet.Artifacts";
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
                .Run(["--filter", "StackDepot.Benchmarks.Comparison.*", "--artifacts", artifacts]);
            int rc = Scenarios(quick: false, int.Parse(Option(args, "--repeats") ?? "5"), outFile);
            Console.WriteLine($"full run: {sw.Elapsed.TotalMinutes:F1} min");
            return rc;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static int Scenarios(bool quick, int repeats, string? outFile)
    {
        var runner = new ScenarioRunner(quick, repeats, Console.Out);
        runner.Run();
        if (outFile != null)
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(outFile));
            if (directory != null)
            {
                Directory.CreateDirectory(directory);
            }

            File.WriteAllText(outFile, runner.Markdown);
        }

        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
