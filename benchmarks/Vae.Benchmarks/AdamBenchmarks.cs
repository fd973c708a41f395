using BenchmarkDotNet.Attributes;
using Vae.Nn;

namespace Vae.Benchmarks;

/// <summary>
/// One Adam update of Burda et al.'s model (425,284 parameters) from a stored gradient, on 1 and 2 threads: the
/// optimizer's share of the paper's batch-20 step, and whether it scales with the cores (it streams the weights, both
/// moments and the gradient, ~13.6 MB, through memory). Run: dotnet run -c Release --project
/// benchmarks/Vae.Benchmarks -- --filter '*Adam*'
/// </summary>
[Config(typeof(ShortRunConfig))]
public class AdamBenchmarks
{
    private const int Parameters = 425_284;
    private float[] _p = [], _g = [];
    private Adam _adam = null!;

    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _p = new float[Parameters];
        _g = new float[Parameters];
        for (int i = 0; i < Parameters; i++) _p[i] = (float)(rng.NextDouble() - 0.5);
        _adam = new Adam(Parameters, epsilon: 1e-4f) { Threads = Threads };
    }

    /// <summary>A fresh gradient each time (Adam zeroes it), sparse as unlit pixels make the first layer's.</summary>
    [Benchmark]
    public void Update()
    {
        for (int i = 0; i < Parameters; i += 7) _g[i] = 1e-3f;
        _adam.Update(_p, _g);
    }
}
