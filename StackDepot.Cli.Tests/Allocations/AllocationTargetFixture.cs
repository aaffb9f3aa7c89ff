using System.Globalization;

namespace StackDepot.Cli.Tests.Allocations;

/// <summary>
/// The allocation workload of the test target (<c>StackDepot.Cli.Tests.Target alloc</c>): three sites with 50/30/20% of
/// the bytes and one leaking site. Started once for the test class; the tests check after every run that it still runs.
/// </summary>
public sealed class AllocationTargetFixture : TargetProcessFixture
{
    /// <summary>The measured object sizes of sites A, B and C.</summary>
    public long[] Sizes { get; private set; } = [];

    protected override string[] Arguments => ["alloc"];

    protected override void OnReady(string[] words) => Sizes = words[1..].Select(w => long.Parse(w, CultureInfo.InvariantCulture)).ToArray();
}
