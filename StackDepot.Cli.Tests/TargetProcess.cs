using System.Globalization;
using StackDepot.Cli.Hosting;

namespace StackDepot.Cli.Tests;

/// <summary>
/// A running <c>StackDepot.Cli.Tests.Target</c>: started, waited for (<c>READY pid</c>), asked questions on stdin
/// (<c>ping</c>, <c>gap</c>), told to exit.
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

    /// <summary>Starts the target with <paramref name="args"/> and waits for its READY line.</summary>
    /// <param name="args">The target's arguments (<c>async</c> for the async scenario).</param>
    /// <param name="underShell">Start it as a grandchild, under <c>/bin/sh</c>: a .NET process reaps the state changes
    /// of its own children, which steals the ptrace stops that an attach from this process waits for.</param>
    public static async Task<TargetProcess> StartAsync(string[] args, bool underShell = false)
    {
        Assert.True(File.Exists(TestPaths.TargetDll), "target not built: " + TestPaths.TargetDll);
        string[] command = [DotnetHost.Find(), TestPaths.TargetDll, .. args];
        LineProcess process = underShell
            ? new LineProcess("/bin/sh", ["-c", "\"$0\" \"$@\"; exit $?", .. command])
            : new LineProcess(command[0], command[1..]);
        try
        {
            string ready = await process.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            int pid = int.Parse(ready["READY ".Length..], CultureInfo.InvariantCulture);
            Assert.True(underShell || process.Process.Id == pid, $"READY {pid} from process {process.Process.Id}");
            return new TargetProcess(process, pid);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Asserts the target runs: not stopped, and answers a ping.</summary>
    public Task AssertRunningAsync() => TargetChecks.AssertRunningAsync(_process, Pid);

    /// <summary>The longest stop the target's heartbeat thread saw since the last call, in milliseconds.</summary>
    public async Task<double> TakeMaxGapAsync()
    {
        string answer = await AskAsync("gap", "gap ");
        return double.Parse(answer["gap ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>OS thread ids of the target's named threads (Linux names threads after <c>Thread.Name</c>, cut to 15 bytes).</summary>
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

    /// <summary>Tells the target to exit and waits a little; kills it otherwise.</summary>
    public void Dispose() => TargetChecks.Stop(_process);

    private async Task<string> AskAsync(string question, string answerPrefix)
    {
        await _process.Process.StandardInput.WriteLineAsync(question);
        await _process.Process.StandardInput.FlushAsync();
        return await _process.WaitForLineAsync(l => l.StartsWith(answerPrefix, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }
}
