using BenchmarkDotNet.Attributes;
using Vae.Kernels;

namespace Vae.Benchmarks;

/// <summary>
/// The ε of one training step at the paper's batch (20 images × 50 latents = 500 Box–Muller pairs): the C library's
/// log, cos and sin beside the vector polynomials. Run: dotnet run -c Release --project benchmarks/Vae.Benchmarks --
/// --filter '*BoxMuller*'
/// </summary>
[Config(typeof(ShortRunConfig))]
public class BoxMullerBenchmarks
{
    private const int Pairs = 500;
    private double[] _u1 = [], _u2 = [];
    private float[] _z = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Vae.Engine.Rng(1, Vae.Engine.RngStreams.Noise);
        _u1 = new double[Pairs]; _u2 = new double[Pairs]; _z = new float[2 * Pairs];
        for (int i = 0; i < Pairs; i++) { _u1[i] = 1.0 - rng.NextDouble(); _u2[i] = rng.NextDouble(); }
    }

    [Benchmark(Baseline = true)] public void Naive() => BoxMuller.Naive(_u1, _u2, _z);
    [Benchmark] public int Transform() => BoxMuller.Transform(_u1, _u2, _z);
}
