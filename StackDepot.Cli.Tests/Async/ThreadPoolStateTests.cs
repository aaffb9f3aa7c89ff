using StackDepot.Cli.Async;
using StackDepot.Cli.Blocking;

namespace StackDepot.Cli.Tests.Async;

public sealed class ThreadPoolStateTests
{
    [Theory]
    [InlineData(0, 0, 31, 0)]
    [InlineData(3, 10, 31, 7)]
    [InlineData(30, 34, 31, 4)]        // wrapped around the 32 slots
    [InlineData(5, 37, 31, 32)]        // full: head and tail at the same slot, one lap apart
    [InlineData(12, 12 + 64, 31, 0)]   // frozen for enqueues and empty: the tail carries the freeze offset (2 x 32)
    [InlineData(12, 20 + 64, 31, 8)]   // frozen with eight items
    public void Counts_a_segment_as_the_queue_does(int head, int tail, int mask, int expected) =>
        Assert.Equal(expected, ThreadPoolState.SegmentCount(head, tail, mask));

    [Fact]
    public void Describes_the_pool_on_one_line() =>
        Assert.Equal("6 workers (4 running, 2 idle), min 2, max 32767, 130 queued work items",
            new ThreadPoolState { Running = 4, Idle = 2, Min = 2, Max = 32767, Queued = 130 }.Describe());
}
