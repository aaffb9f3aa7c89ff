using System.Globalization;
using StackDepot.Cli.Hosting;

namespace StackDepot.Cli.Tests.Allocations;

/// <summary>
/// The allocation workload of the test target (<c>StackDepot.Cli.Tests.Target alloc</c>): three sites with 50/30/20% of
/// the bytes and one leaking site. Started once for the test class; the tests check after every run that it still runs.
/// </summary>
public sealed class AllocationTargetFixture : IAsyncLifetime
{
    private LineProcess? _target;

    public int Pid { get; private set; }

    /// <summary>The measured object sizes of sites A, B and C.</summary>
    public long[] Sizes { get; private set; } = [];

    /// <summary>Starts a workload process (also used for one with diagnostics disabled); returns it with its pid.</summary>
    internal static async Task<(LineProcess Process, int Pid, long[] Sizes)> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        Assert.True(File.Exists(TestPaths.TargetDll), "target not built: " + TestPaths.TargetDll);
        var target = new LineProcess(DotnetHost.Find(), [TestPaths.TargetDll, "alloc"], environment);
        string ready = await target.WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        long[] words = ready.Split(' ')[1..].Select(w => long.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        return (target, (int)words[0], words[1..]);
    }

    public async Task InitializeAsync()
    {
        (_target, Pid, Sizes) = await StartAsync();
    }

    /// <summary>Asserts the workload runs: not stopped, and answers a ping.</summary>
    public Task AssertRunningAsync()
    {
        Assert.NotNull(_target);
        return TargetChecks.AssertRunningAsync(_target, Pid);
    }

    public Task DisposeAsync()
    {
        TargetChecks.Stop(_target);
        return Task.CompletedTask;
    }
}
