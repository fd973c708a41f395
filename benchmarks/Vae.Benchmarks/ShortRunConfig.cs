using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Vae.Benchmarks;

/// <summary>BenchmarkDotNet's short run with the minimum beside the mean: on a shared machine the minimum is the
/// figure least disturbed by the other tenants.</summary>
public sealed class ShortRunConfig : ManualConfig
{
    public ShortRunConfig()
    {
        AddJob(Job.ShortRun);
        AddColumn(StatisticColumn.Min);
    }
}
