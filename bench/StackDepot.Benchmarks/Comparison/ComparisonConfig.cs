using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;

namespace StackDepot.Benchmarks.Comparison;

/// <summary>
/// Short jobs for a shared 2-core machine: one launch, 3 warm-up and 5 measured iterations, allocations
/// measured, ratios against the depot shown as "N.NNx slower/faster".
/// </summary>
public sealed class ComparisonConfig : ManualConfig
{
    public ComparisonConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Throughput)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(5)
            .WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        Orderer = new DefaultOrderer(SummaryOrderPolicy.Declared);
        SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
    }
}

/// <summary>For benchmarks whose every invocation needs a fresh store: one invocation per iteration.</summary>
public sealed class SingleShotConfig : ManualConfig
{
    public SingleShotConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithId("SingleShot"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        Orderer = new DefaultOrderer(SummaryOrderPolicy.Declared);
        SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
    }
}
