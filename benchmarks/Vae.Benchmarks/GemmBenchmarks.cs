using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Vae.Kernels;

namespace Vae.Benchmarks;

/// <summary>One product C (m,n) = op(A)·op(B); its ToString is what the Shape column shows.</summary>
public sealed record GemmShape(int M, int N, int K, bool TransA, bool TransB)
{
    public double Flops => 2.0 * M * N * K;
    public override string ToString() => $"{M}x{N}x{K}{(TransA ? " Aᵀ" : "")}{(TransB ? " Bᵀ" : "")}";
}

/// <summary>
/// Short runs (3 warm-ups, 3 iterations) plus GFLOP/s from the mean and from the fastest iteration: the machine is
/// shared, and the fastest iteration is the one least disturbed by other processes.
/// </summary>
public sealed class GemmConfig : ManualConfig
{
    public GemmConfig()
    {
        AddJob(Job.ShortRun);
        AddColumn(StatisticColumn.Min, new GflopsColumn(fromMin: false), new GflopsColumn(fromMin: true));
    }
}

/// <summary>GEMM on the products of one VAE training step (batch 128, 784-400 layers): naive twin vs SIMD
/// paths.</summary>
[MemoryDiagnoser]
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    public static IEnumerable<GemmShape> Shapes() =>
    [
        new(128, 400, 784, false, true),   // encoder forward x·Wᵀ
        new(128, 784, 400, false, true),   // decoder forward h·Wᵀ
        new(400, 784, 128, true, false),   // dW = dYᵀ·X
        new(128, 784, 400, false, false),  // dX = dY·W
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes().First();

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup() => (_a, _b, _c) = Operands(Shape);

    internal static (float[], float[], float[]) Operands(GemmShape s)
    {
        var rng = new Random(42);
        float[] a = new float[s.M * s.K], b = new float[s.K * s.N];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() * 2 - 1);
        return (a, b, new float[s.M * s.N]);
    }

    [Benchmark(Baseline = true)]
    public void Naive() => Gemm.Naive(_a, _b, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB, _c, false);

    [Benchmark]
    public void PortableOneThread() =>
        Gemm.Multiply(GemmPath.Portable, _a, _b, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB, _c, false,
            threads: 1);

    [Benchmark]
    public void SimdOneThread() =>
        Gemm.Multiply(_a, _b, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB, _c, false, threads: 1);

    [Benchmark]
    public void SimdAllThreads() =>
        Gemm.Multiply(_a, _b, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB, _c, false, threads: 0);
}

/// <summary>1024³ without the naive twin (it would take seconds per call).</summary>
[MemoryDiagnoser]
[Config(typeof(GemmConfig))]
public class GemmSquareBenchmarks
{
    public static IEnumerable<GemmShape> Shapes() => [new(1024, 1024, 1024, false, false)];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes().First();

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup() => (_a, _b, _c) = GemmBenchmarks.Operands(Shape);

    [Benchmark(Baseline = true)]
    public void SimdOneThread() =>
        Gemm.Multiply(_a, _b, Shape.M, Shape.N, Shape.K, false, false, _c, false, threads: 1);

    [Benchmark]
    public void SimdAllThreads() =>
        Gemm.Multiply(_a, _b, Shape.M, Shape.N, Shape.K, false, false, _c, false, threads: 0);
}

/// <summary>GFLOP/s = 2·m·n·k / mean (or fastest) time, read from the benchmark's Shape parameter.</summary>
public sealed class GflopsColumn(bool fromMin) : IColumn
{
    public string Id => nameof(GflopsColumn) + (fromMin ? "Min" : "Mean");
    public string ColumnName => fromMin ? "GFLOP/s (min)" : "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => fromMin ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"2·m·n·k floating-point operations per {(fromMin ? "fastest iteration's" : "mean")} time";
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (summary[benchmarkCase]?.ResultStatistics is not { } stats
            || benchmarkCase.Parameters["Shape"] is not GemmShape shape)
            return "NA";
        double ns = fromMin ? stats.Min : stats.Mean;
        return (shape.Flops / ns).ToString("F1", CultureInfo.InvariantCulture); // flops per ns = GFLOP/s
    }
}
