using System.Globalization;
using StackDepot.Cli.Hosting;

namespace StackDepot.Cli.Tests;

/// <summary>
/// A <c>StackDepot.Cli.Tests.Target</c> of a test's own: started (with <c>async</c> for the async scenario), waited
/// for (<c>READY pid</c>), asked questions on stdin (<c>ping</c>, <c>gap</c>, <c>gaps</c>, <c>move</c>, <c>gc</c>,
/// <c>signals</c>), told to exit or killed.
/// </summary>
internal sealed class TargetProcess : IDisposable
{
    private readonly LineProcess _process;

    private TargetProcess(LineProcess process, int pid)
    {
        _process = process;
        Pid = pid;
    }

    /// <summary>The target's own process id (not the shell's, when started under one).</summary>
    public int Pid { get; }

    /// <summary>The process started (the shell when started under one).</summary>
    public System.Diagnostics.Process Process => _process.Process;

    /// <summary>Starts the target with <paramref name="args"/> and waits for its READY line.</summary>
    /// <param name="args">The target's arguments.</param>
    /// <param name="underShell">Start it as a grandchild, under <c>/bin/sh</c>: a .NET process reaps the state changes
    /// of its own children, which steals the ptrace stops that a tracer in this process waits for.</param>
    /// <param name="wrapper">A command prefix (for example <see cref="EveryoneCopy.AsNobody"/>).</param>
    /// <param name="targetDll">Another copy of the target's files to run.</param>
    public static async Task<TargetProcess> StartAsync(string[] args, bool underShell = false, string[]? wrapper = null, string? targetDll = null)
    {
        Assert.True(File.Exists(TestPaths.TargetDll), "target not built: " + TestPaths.TargetDll);
        string[] command = [.. wrapper ?? [], DotnetHost.Find(), targetDll ?? TestPaths.TargetDll, .. args];
        LineProcess process = underShell
            ? new LineProcess("/bin/sh", ["-c", "\"$0\" \"$@\"; exit $?", .. command])
            : new LineProcess(command[0], command[1..]);
        try
        {
            string ready = await process.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            int pid = int.Parse(ready["READY ".Length..], CultureInfo.InvariantCulture);
            Assert.True(underShell || wrapper is not null || process.Process.Id == pid, $"READY {pid} from process {process.Process.Id}");
            return new TargetProcess(process, pid);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Asserts the target runs: no thread stopped, and it answers a ping.</summary>
    public Task AssertRunningAsync() => TargetChecks.AssertRunningAsync(_process, Pid);

    /// <summary>The longest stop the target's heartbeat thread saw since the last call, in milliseconds.</summary>
    public async Task<double> TakeMaxGapAsync()
    {
        string answer = await AskAsync("gap", "gap ");
        return double.Parse(answer["gap ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>The heartbeat's wake-ups and every gap of 2 ms or more since the last call, in milliseconds.</summary>
    public async Task<(long Beats, double[] Gaps)> TakeGapsAsync()
    {
        string[] words = (await AskAsync("gaps", "beats ")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(words[1], CultureInfo.InvariantCulture), words[3..].Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>OS thread ids of the target's threads by OS name (Linux names threads after <c>Thread.Name</c>, cut
    /// to 15 bytes); the first of a name wins.</summary>
    public Dictionary<string, int> ThreadIdsByName()
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string task in Directory.EnumerateDirectories($"/proc/{Pid}/task"))
        {
            string name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
            ids.TryAdd(name, int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture));
        }

        return ids;
    }

    /// <summary>Sends a line and returns the first answer line starting with <paramref name="answerPrefix"/>.</summary>
    public async Task<string> AskAsync(string question, string answerPrefix)
    {
        await _process.Process.StandardInput.WriteLineAsync(question);
        await _process.Process.StandardInput.FlushAsync();
        return await _process.WaitForLineAsync(l => l.StartsWith(answerPrefix, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends a line and returns at once.</summary>
    public void Tell(string line)
    {
        _process.Process.StandardInput.WriteLine(line);
        _process.Process.StandardInput.Flush();
    }

    /// <summary>Tells the target to exit and waits a little; kills it otherwise.</summary>
    public void Dispose() => TargetChecks.Stop(_process);
}
