using StackDepot.Diagnostics;

namespace StackDepot.Tests.Diagnostics;

public sealed class DepotCountersTests
{
    [Fact]
    public void Each_thread_index_has_one_cell_and_a_snapshot_adds_them_all()
    {
        var counters = new DepotCounters();
        int[] indexes = [0, 1, 7, 8, 9, 23, 24, 1000, 70_000];
        foreach (int index in indexes)
        {
            CounterCell cell = counters.Of(index);
            Assert.Same(cell, counters.Of(index));
            cell.Saves += index + 1;
            cell.Hits += 1;
            cell.Puts += 2;
            cell.Truncated += 3;
        }

        Assert.Equal(indexes.Length, indexes.Select(counters.Of).Distinct().Count());
        var (saves, hits, truncated, puts) = counters.Snapshot();
        Assert.Equal(indexes.Sum(i => (long)i + 1), saves);
        Assert.Equal(indexes.Length, hits);
        Assert.Equal(2L * indexes.Length, puts);
        Assert.Equal(3L * indexes.Length, truncated);
    }

    [Fact]
    public void Cells_created_at_once_by_many_threads_are_never_lost()
    {
        for (int round = 0; round < 20; round++)
        {
            var counters = new DepotCounters();
            const int threads = 64; // several chunks, each installed by whichever thread gets there first
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(index => new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < 100; i++)
                {
                    counters.Of(index).Saves++;
                }
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            Assert.Equal(threads * 100L, counters.Snapshot().Saves);
        }
    }
}
