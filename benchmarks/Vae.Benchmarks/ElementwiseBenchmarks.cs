using System.Numerics;
using BenchmarkDotNet.Attributes;
using Vae.Kernels;

namespace Vae.Benchmarks;

/// <summary>
/// The elementwise kernels of a training step at the decoder output's size (batch 128 × 784 pixels), each vector
/// loop beside its scalar twin. Run: dotnet run -c Release --project benchmarks/Vae.Benchmarks -- --filter
/// '*Elementwise*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ElementwiseBenchmarks
{
    private const int Rows = 128, Cols = 784, N = Rows * Cols;
    private float[] _x = [], _y = [], _dest = [], _bias = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Vae.Engine.Rng(1);
        _x = new float[N]; _y = new float[N]; _dest = new float[N]; _bias = new float[Cols];
        for (int i = 0; i < N; i++) { _x[i] = rng.NextUniform(-4, 4); _y[i] = rng.NextFloat(); }
        for (int i = 0; i < Cols; i++) _bias[i] = rng.NextUniform(-1, 1);
    }

    [Benchmark(Baseline = true)] public void ReluNaive() => ElementwiseNaive.Map<ReluOp>(_x, _dest);
    [Benchmark] public void ReluSimd() => Elementwise.Map<ReluOp>(_x, _dest);
    [Benchmark] public void SigmoidNaive() => ElementwiseNaive.Map<SigmoidOp>(_x, _dest);
    [Benchmark] public void SigmoidSimd() => Elementwise.Map<SigmoidOp>(_x, _dest);
    [Benchmark] public void ExpNaive() => ElementwiseNaive.Map<ExpOp>(_x, _dest);
    [Benchmark] public void ExpSimd() => Elementwise.Map<ExpOp>(_x, _dest);
    [Benchmark] public void ExpDotNetVector() => Elementwise.Map<DotNetExpOp>(_x, _dest);
    [Benchmark] public void ExpSimd256() => Elementwise.Map<Narrow<ExpOp>>(_x, _dest);
    [Benchmark] public float BceWithLogitsSumNaive() => ElementwiseNaive.Sum<BceWithLogitsOp>(_x, _y);
    [Benchmark] public float BceWithLogitsSumSimd() => Elementwise.Sum<BceWithLogitsOp>(_x, _y);
    [Benchmark] public float BceWithLogitsSumSimd256() => Elementwise.Sum<Narrow2<BceWithLogitsOp>>(_x, _y);
    [Benchmark] public void BceWithLogitsGradNaive() =>
        ElementwiseNaive.Accumulate<BceWithLogitsGradOp>(_x, _y, 1f, _dest);
    [Benchmark] public void BceWithLogitsGradSimd() => Elementwise.Accumulate<BceWithLogitsGradOp>(_x, _y, 1f, _dest);
    [Benchmark] public void ReluGradNaive() => ElementwiseNaive.Accumulate<ReluGradOp>(_x, _y, 1f, _dest);
    [Benchmark] public void ReluGradSimd() => Elementwise.Accumulate<ReluGradOp>(_x, _y, 1f, _dest);
    [Benchmark] public void AddBiasNaive() => ElementwiseNaive.AddRowVector(_x, _bias, Rows, Cols, _dest);
    [Benchmark] public void AddBiasSimd() => Elementwise.AddRowVector(_x, _bias, Rows, Cols, _dest);
    [Benchmark] public void BiasGradNaive() => ElementwiseNaive.AccumulateColumnSums(_x, Rows, Cols, _bias);
    [Benchmark] public void BiasGradSimd() => Elementwise.AccumulateColumnSums(_x, Rows, Cols, _bias);

    /// <summary>The exp the ops used before <see cref="VectorMath.Exp(Vector{float})"/>: .NET's Vector.Exp, which
    /// widens to double (no 512-bit form, so Map runs it 256 bits wide).</summary>
    private readonly struct DotNetExpOp : IUnaryOp
    {
        public static float Invoke(float x) => MathF.Exp(x);
        public static Vector<float> Invoke(Vector<float> x) => Vector.Exp(x);
    }

    /// <summary>An op without its 512-bit form, to time the Vector&lt;T&gt; loop alone on an AVX-512 machine.</summary>
    private readonly struct Narrow<TOp> : IUnaryOp where TOp : struct, IUnaryOp
    {
        public static float Invoke(float x) => TOp.Invoke(x);
        public static Vector<float> Invoke(Vector<float> x) => TOp.Invoke(x);
    }

    private readonly struct Narrow2<TOp> : IBinaryOp where TOp : struct, IBinaryOp
    {
        public static float Invoke(float x, float y) => TOp.Invoke(x, y);
        public static Vector<float> Invoke(Vector<float> x, Vector<float> y) => TOp.Invoke(x, y);
    }
}
