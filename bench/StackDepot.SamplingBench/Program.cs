using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Channels;

// How long sampling stops a target, measured from inside it (a heartbeat thread that logs every gap), engine against
// engine in one run; and the latency of a web app under load with and without sampling. Prints markdown tables.
//
//   dotnet run --project bench/StackDepot.SamplingBench -c Release -- stops [--samples 20] [--interval 100] [--threads 20,200]
//   dotnet run --project bench/StackDepot.SamplingBench -c Release -- rate [--seconds 30] [--rate 100] [--threads 20]
//   dotnet run --project bench/StackDepot.SamplingBench -c Release -- web [--seconds 20] [--clients 16] [--samples 20] [--interval 50]

string mode = args.Length > 0 ? args[0] : "stops";
int Arg(string name, int fallback) => Array.IndexOf(args, name) is int at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
int[] Threads(string fallback) => (Array.IndexOf(args, "--threads") is int at and >= 0 && at + 1 < args.Length ? args[at + 1] : fallback)
    .Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
string[] engines = ["clrmd-suspend", "clrmd", "eventpipe"];
Console.WriteLine($"machine: {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");

switch (mode)
{
    case "stops":
        await StopsAsync(Threads("20,200"), Arg("--samples", 20), Arg("--interval", 100));
        break;
    case "rate":
        await RateAsync(Threads("20"), Arg("--seconds", 30), Arg("--rate", 100));
        break;
    case "web":
        await WebAsync(Arg("--seconds", 20), Arg("--clients", 16), Arg("--samples", 20), Arg("--interval", 50));
        break;
    default:
        Console.Error.WriteLine("modes: stops, rate, web");
        return 2;
}

return 0;

async Task StopsAsync(int[] threadCounts, int samples, int interval)
{
    Console.WriteLine($"\n`stacks --samples {samples} --interval {interval}`, each engine in turn on the same target:\n");
    Console.WriteLine("| threads | engine | stop per sample, median (reported) | worst (reported) | stopped, % of run (reported) | heartbeat: worst gap | heartbeat: gaps of 2 ms or more |");
    Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
    foreach (int threads in threadCounts)
    {
        using var target = await Target.StartAsync(threads);
        (double quietWorst, int quietGaps) = await target.QuietAsync(TimeSpan.FromMilliseconds(samples * interval));
        Console.WriteLine($"| {threads} | (none, same time) | | | | {quietWorst:0.0} ms | {quietGaps} |");
        foreach (string engine in engines)
        {
            await target.TakeGapsAsync();
            Run run = await Cli.RunAsync(["stacks", "--pid", target.Pid, "--engine", engine, "--samples", $"{samples}", "--interval", $"{interval}", "-f", "json", "-q"]);
            (_, double[] gaps) = await target.TakeGapsAsync();
            Stop stop = run.Stop();
            Console.WriteLine($"| {threads} | {engine} | {stop.Median} ms | {stop.Worst} ms | {stop.Percent} | {gaps.DefaultIfEmpty(0).Max():0.0} ms | {gaps.Length} |");
        }
    }
}

async Task RateAsync(int[] threadCounts, int seconds, int rate)
{
    Console.WriteLine($"\n`stacks --duration {seconds}s --rate {rate}`, each engine in turn on the same target:\n");
    Console.WriteLine("| threads | engine | samples | achieved rate | stop per sample, median | worst | stopped, % of run | heartbeat: worst gap |");
    Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|");
    foreach (int threads in threadCounts)
    {
        using var target = await Target.StartAsync(threads);
        foreach (string engine in engines)
        {
            await target.TakeGapsAsync();
            Run run = await Cli.RunAsync(["stacks", "--pid", target.Pid, "--engine", engine, "--duration", $"{seconds}s", "--rate", $"{rate}", "-f", "json", "-q"]);
            (_, double[] gaps) = await target.TakeGapsAsync();
            Stop stop = run.Stop();
            string samples = run.Property("samples");
            Console.WriteLine($"| {threads} | {engine} | {samples.Split(',')[0]} | {samples.Split(", ")[2].Split(' ')[0]} per second | {stop.Median} ms | {stop.Worst} ms | {stop.Percent} | {gaps.DefaultIfEmpty(0).Max():0.0} ms |");
        }
    }
}

async Task WebAsync(int seconds, int clients, int samples, int interval)
{
    using var web = await Proc.StartAsync(Paths.Dotnet, [Paths.Of("bench/StackDepot.SamplingBench.Web", "StackDepot.SamplingBench.Web.dll"), "--urls", "http://127.0.0.1:0"]);
    string url = (await web.WaitForAsync("LISTENING ")).Split(' ')[1];
    string pid = web.Process.Id.ToString(CultureInfo.InvariantCulture);
    using var http = new HttpClient { BaseAddress = new Uri(url) };
    await Load(http, clients, TimeSpan.FromSeconds(3)); // warm up (JIT, tiering)
    Console.WriteLine($"\n`dotnet new web` app, {clients} clients in a loop for {seconds} s; sampling with `stacks --samples {samples} --interval {interval}` repeated for the whole run:\n");
    Console.WriteLine("| sampling | requests per second | latency p50 | p90 | p99 | max | samples taken | stopped, % of run (reported) |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
    foreach (string? engine in new string?[] { null, "clrmd-suspend", "clrmd", "eventpipe" })
    {
        using var stop = new CancellationTokenSource();
        var runs = new List<Run>();
        Task sampling = engine is null ? Task.CompletedTask : Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                runs.Add(await Cli.RunAsync(["stacks", "--pid", pid, "--engine", engine, "--samples", $"{samples}", "--interval", $"{interval}", "-f", "json", "-q"]));
            }
        });
        (double perSecond, double[] latencies) = await Load(http, clients, TimeSpan.FromSeconds(seconds));
        await stop.CancelAsync();
        await sampling;
        Array.Sort(latencies);
        string taken = engine is null ? "" : runs.Sum(r => int.Parse(r.Property("samples").Split(',')[0], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture);
        string stopped = engine is null ? "" : string.Join(", ", runs.Select(r => r.Stop().Percent).Distinct().Take(3)) + (runs.Count > 3 ? ", ..." : "");
        Console.WriteLine($"| {engine ?? "none"} | {perSecond:0} | {P(latencies, 0.5):0.00} ms | {P(latencies, 0.9):0.00} ms | {P(latencies, 0.99):0.00} ms | {latencies[^1]:0.00} ms | {taken} | {stopped} |");
    }

    web.Process.Kill(entireProcessTree: true);
}

static double P(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

static async Task<(double PerSecond, double[] Latencies)> Load(HttpClient http, int clients, TimeSpan duration)
{
    var all = new List<double>[clients];
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        var mine = all[c] = [];
        while (clock.Elapsed < duration)
        {
            long start = Stopwatch.GetTimestamp();
            using HttpResponseMessage response = await http.GetAsync("/");
            await response.Content.ReadAsStringAsync();
            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }));
    double[] latencies = [.. all.SelectMany(l => l)];
    return (latencies.Length / clock.Elapsed.TotalSeconds, latencies);
}

/// <summary>The stop figures of a report header.</summary>
internal sealed record Stop(string Median, string Worst, string Percent);

/// <summary>A finished CLI run.</summary>
internal sealed record Run(int Exit, string Out, string Err)
{
    public string Property(string name)
    {
        if (Exit != 0)
        {
            throw new InvalidOperationException($"stackdepot failed ({Exit}): {Err}");
        }

        using JsonDocument doc = JsonDocument.Parse(Out);
        return doc.RootElement.GetProperty("properties").GetProperty(name).GetString()!;
    }

    /// <summary>"0.4 ms per sample (median), 7.3 ms worst, 3.2% of the run".</summary>
    public Stop Stop()
    {
        string[] parts = Property("target stopped").Split(", ");
        return new Stop(parts[0].Split(' ')[0], parts[1].Split(' ')[0], parts[2].Split(' ')[0]);
    }
}

/// <summary>Where the built CLI, test target and web app are.</summary>
internal static class Paths
{
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static readonly DirectoryInfo Output = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    private static readonly string Root = FindRoot();

    /// <summary>A project's output file, in this build's configuration and framework.</summary>
    public static string Of(string project, string file) => Path.Combine(Root, project, "bin", Output.Parent!.Name, Output.Name, file);

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = Output; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StackDepot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("StackDepot.sln not found above " + Output.FullName);
    }
}

/// <summary>The CLI as a process.</summary>
internal static class Cli
{
    public static async Task<Run> RunAsync(string[] args)
    {
        var info = new ProcessStartInfo(Paths.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Paths.Of("StackDepot.Cli", "StackDepot.Cli.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Run(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>The CLI test target with its heartbeat: 8 threads of its own parked, and more.</summary>
internal sealed class Target : IDisposable
{
    private readonly Proc _process;

    private Target(Proc process, string pid)
    {
        _process = process;
        Pid = pid;
    }

    public string Pid { get; }

    /// <summary>A target with <paramref name="threads"/> parked managed threads (at least 8).</summary>
    public static async Task<Target> StartAsync(int threads)
    {
        Proc process = await Proc.StartAsync(Paths.Dotnet, [Paths.Of("StackDepot.Cli.Tests.Target", "StackDepot.Cli.Tests.Target.dll"), "--extra", $"{Math.Max(0, threads - 8)}"]);
        return new Target(process, (await process.WaitForAsync("READY ")).Split(' ')[1]);
    }

    /// <summary>The heartbeat's gaps of 2 ms or more since the last call.</summary>
    public async Task<(long Beats, double[] Gaps)> TakeGapsAsync()
    {
        string[] words = (await _process.AskAsync("gaps", "beats ")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(words[1], CultureInfo.InvariantCulture), words[3..].Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>The heartbeat over a time nobody samples: the machine's own noise.</summary>
    public async Task<(double Worst, int Gaps)> QuietAsync(TimeSpan time)
    {
        await TakeGapsAsync();
        await Task.Delay(time);
        (_, double[] gaps) = await TakeGapsAsync();
        return (gaps.DefaultIfEmpty(0).Max(), gaps.Length);
    }

    public void Dispose()
    {
        _process.Tell("exit");
        _process.Dispose();
    }
}

/// <summary>A child process whose stdout lines can be awaited.</summary>
internal sealed class Proc : IDisposable
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private Proc(Process process) => Process = process;

    public Process Process { get; }

    public static Task<Proc> StartAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var proc = new Proc(new Process { StartInfo = info });
        proc.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                proc._lines.Writer.TryWrite(e.Data);
            }
        };
        proc.Process.Start();
        proc.Process.BeginOutputReadLine();
        return Task.FromResult(proc);
    }

    public async Task<string> WaitForAsync(string prefix)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            string line = await _lines.Reader.ReadAsync(timeout.Token);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    public async Task<string> AskAsync(string question, string prefix)
    {
        Tell(question);
        return await WaitForAsync(prefix);
    }

    public void Tell(string line)
    {
        Process.StandardInput.WriteLine(line);
        Process.StandardInput.Flush();
    }

    public void Dispose()
    {
        try
        {
            if (!Process.WaitForExit(5000))
            {
                Process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        Process.Dispose();
    }
}
