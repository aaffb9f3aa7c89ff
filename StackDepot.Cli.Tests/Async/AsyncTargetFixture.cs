using System.Globalization;

namespace StackDepot.Cli.Tests.Async;

/// <summary>
/// The target's async scenario (<c>AsyncScenario</c> in the target), started once for the collection under
/// <c>/bin/sh</c> so that these tests can also attach to it from their own process, with a heap dump and a mini
/// dump of it written on first use by <c>stackdepot dump</c>.
/// </summary>
public sealed class AsyncTargetFixture : IAsyncLifetime
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("stackdepot-async-").FullName;
    private TargetProcess? _target;
    private Task<string>? _heapDump;
    private Task<string>? _miniDump;

    internal TargetProcess Target => _target ?? throw new InvalidOperationException("not started");

    public int Pid => Target.Pid;

    /// <summary>A directory of this fixture, removed with it.</summary>
    public string Directory => _dir;

    public async Task InitializeAsync() => _target = await TargetProcess.StartAsync(["async"], underShell: true);

    /// <summary>A heap dump of the target (<c>stackdepot dump --type heap</c>), written once.</summary>
    public Task<string> HeapDumpAsync() => _heapDump ??= WriteDumpAsync("heap");

    /// <summary>A mini dump of the target (the default type), written once.</summary>
    public Task<string> MiniDumpAsync() => _miniDump ??= WriteDumpAsync("mini");

    public Task DisposeAsync()
    {
        _target?.Dispose();
        System.IO.Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<string> WriteDumpAsync(string type)
    {
        string path = Path.Combine(_dir, type + ".core");
        CliResult result = await Cli.RunAsync("dump", "--pid", Pid.ToString(CultureInfo.InvariantCulture), "-o", path, "--type", type);
        Assert.True(result.ExitCode == 0, result.ToString());
        return path;
    }
}

/// <summary>Tests against the async scenario share one target and run one after another, after the other collections:
/// its target is a second process named like the other test target, which a lookup by name must not meet.</summary>
[CollectionDefinition("async-target", DisableParallelization = true)]
public sealed class AsyncTargetCollection : ICollectionFixture<AsyncTargetFixture>;
