using System.Diagnostics;
using System.Globalization;

namespace StackDepot.Cli.Tests;

[Collection("cli")]
public sealed class DumpAndErrorTests(TargetFixture target) : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stackdepot-tests-").FullName;

    private string Pid => target.Pid.ToString(CultureInfo.InvariantCulture);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => target.AssertRunningAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> WriteDumpAsync()
    {
        string dump = Path.Combine(_dir, "target.core");
        CliResult result = await Cli.RunAsync("dump", "--pid", Pid, "-o", dump);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(new FileInfo(dump).Length > 0);
        Assert.Contains("stackdepot: wrote a mini dump of process " + Pid, result.StdErr, StringComparison.Ordinal);
        return dump;
    }

    [Fact]
    public async Task Dump_then_stacks_from_the_dump_gives_the_live_stacks()
    {
        CliResult live = await Cli.RunAsync("stacks", "--pid", Pid, "--format", "json");
        string dump = await WriteDumpAsync();
        await target.AssertRunningAsync();

        CliResult fromDump = await Cli.RunAsync("stacks", "--dump", dump, "--format", "json");
        Assert.True(fromDump.ExitCode == 0, fromDump.ToString());
        List<JsonStack> dumped = Reports.ParseJson(fromDump.StdOut).Stacks;
        Reports.AssertKnownStacks(dumped, 5, 3);
        List<JsonStack> lived = Reports.ParseJson(live.StdOut).Stacks;
        foreach (string frame in new[] { Reports.FiveInner, Reports.ThreeSecond })
        {
            JsonStack a = Reports.Single(lived, frame);
            JsonStack b = Reports.Single(dumped, frame);
            Assert.Equal(a.Frames, b.Frames);
            Assert.Equal(a.ThreadIds, b.ThreadIds);
        }

        Assert.Equal(dump, Reports.ParseJson(fromDump.StdOut).Root.GetProperty("properties").GetProperty("dump").GetString());

        // The same file, damaged in four ways, is refused with exit code 7 or 6 and one line (checked in-process).
        string truncated = Path.Combine(_dir, "truncated.core");
        byte[] bytes = await File.ReadAllBytesAsync(dump);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        await AssertFailsInProcessAsync(7, "is truncated", "stacks", "--dump", truncated);

        // A damaged segment table (a program header's offset overwritten) is corrupt, not "truncated" by exabytes.
        string damaged = Path.Combine(_dir, "damaged.core");
        byte[] broken = (byte[])bytes.Clone();
        long phoff = BitConverter.ToInt64(broken, 32);
        int phentsize = BitConverter.ToUInt16(broken, 54);
        BitConverter.GetBytes(0xdead_beef_dead_beefUL).CopyTo(broken, (int)phoff + phentsize + 8); // the second header's p_offset
        await File.WriteAllBytesAsync(damaged, broken);
        await AssertFailsInProcessAsync(7, "damaged.core is corrupt: its segment table places data ", "stacks", "--dump", damaged);

        string foreign = Path.Combine(_dir, "arm64.core");
        byte[] patched = (byte[])bytes.Clone();
        patched[18] = 0xb7; // e_machine = EM_AARCH64
        patched[19] = 0;
        await File.WriteAllBytesAsync(foreign, patched);
        await AssertFailsInProcessAsync(6, "dump of a arm64 process", "stacks", "--dump", foreign);

        string garbage = Path.Combine(_dir, "garbage.core");
        await File.WriteAllBytesAsync(garbage, bytes[4096..20000]);
        await AssertFailsInProcessAsync(7, "is not a dump file", "stacks", "--dump", garbage);
    }

    [Fact]
    public async Task A_process_without_a_dotnet_runtime_is_exit_4_and_keeps_running()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
        try
        {
            string pid = sleeper.Id.ToString(CultureInfo.InvariantCulture);
            await AssertFailsAsync(4, $"process {pid} does not run a .NET", "stacks", "--pid", pid);
            await AssertFailsAsync(4, $"process {pid} has no .NET diagnostics endpoint", "dump", "--pid", pid, "-o", Path.Combine(_dir, "x.core"));
            string state = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal));
            Assert.Contains("sleeping", state, StringComparison.Ordinal);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Fact]
    public async Task No_permission_to_attach_is_exit_5_and_names_the_remedies()
    {
        CliResult result;
        CliResult? alloc = null, dump = null;
        if (Environment.UserName == "root" && !OperatingSystem.IsWindows())
        {
            // Drop to an unprivileged user and try to attach to the (root-owned) target. That user may not be able to
            // enter the checkout (a clone in a directory from mktemp -d is 0700), so it runs a copy of the CLI's
            // files from a directory everyone may read, which is also its working directory.
            string copy = EveryoneCopy.OfCli();
            string dumpFile = Path.Combine(Path.GetTempPath(), $"stackdepot-nobody-{Guid.NewGuid():N}.core");
            try
            {
                string cliDll = Path.Combine(copy, Path.GetFileName(TestPaths.CliDll));
                result = await Cli.RunAsync(["stacks", "--pid", Pid], EveryoneCopy.AsNobody, cliDll: cliDll, workingDirectory: copy);

                // The runtime's diagnostics socket is the target user's: alloc and dump are refused for the same reason.
                alloc = await Cli.RunAsync(["alloc", "--pid", Pid, "--duration", "1s"], EveryoneCopy.AsNobody, cliDll: cliDll, workingDirectory: copy);
                dump = await Cli.RunAsync(["dump", "--pid", Pid, "-o", dumpFile], EveryoneCopy.AsNobody, cliDll: cliDll, workingDirectory: copy);
            }
            finally
            {
                Directory.Delete(copy, recursive: true);
                File.Delete(dumpFile);
            }
        }
        else
        {
            result = await Cli.RunAsync("stacks", "--pid", "1"); // init belongs to root
        }

        Assert.True(result.ExitCode == 5, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("no permission to attach", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("root", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("CAP_SYS_PTRACE", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("/proc/sys/kernel/yama/ptrace_scope", result.StdErr, StringComparison.Ordinal);
        foreach (CliResult? refused in new[] { alloc, dump })
        {
            if (refused is not null)
            {
                Assert.True(refused.ExitCode == 5, refused.ToString());
                Reports.AssertOnePlainErrorLine(refused);
                Assert.Contains($"no permission to connect to the .NET diagnostics endpoint of process {Pid}", refused.StdErr, StringComparison.Ordinal);
            }
        }
    }

    private static Task AssertFailsAsync(int code, string message, params string[] args) =>
        AssertFailsAsync(Cli.RunAsync(args), code, message);

    private static Task AssertFailsInProcessAsync(int code, string message, params string[] args) =>
        AssertFailsAsync(InProcess.InProcessCli.RunAsync(args), code, message);

    private static async Task AssertFailsAsync(Task<CliResult> run, int code, string message)
    {
        CliResult result = await run;
        Assert.True(result.ExitCode == code, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains(message, result.StdErr, StringComparison.Ordinal);
    }
}
