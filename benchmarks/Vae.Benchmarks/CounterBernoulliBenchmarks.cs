using BenchmarkDotNet.Attributes;
using Vae.Kernels;

namespace Vae.Benchmarks;

/// <summary>
/// Dynamic binarisation of one training batch (20 MNIST-like rows of 784 pixels, as in Burda et al.'s batch), the
/// scalar loop beside each vector path this machine has. Run: dotnet run -c Release --project
/// benchmarks/Vae.Benchmarks -- --filter '*CounterBernoulli*'
/// </summary>
[Config(typeof(ShortRunConfig))]
public class CounterBernoulliBenchmarks
{
    private const int Rows = 20, Pixels = 784;
    private byte[] _src = [];
    private float[] _dest = [];

    public static IEnumerable<CounterBernoulliPath> Paths =>
        Enum.GetValues<CounterBernoulliPath>().Where(CounterBernoulli.IsSupported);

    [ParamsSource(nameof(Paths))] public CounterBernoulliPath Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Mostly 0 and 255 with grey edges, as MNIST: a third each of 0, 255 and anything.
        var rng = new Random(1);
        _src = new byte[Rows * Pixels];
        for (int i = 0; i < _src.Length; i++)
            _src[i] = rng.Next(3) switch { 0 => 0, 1 => 255, _ => (byte)rng.Next(256) };
        _dest = new float[Rows * Pixels];
    }

    [Benchmark(Baseline = true)]
    public void Naive()
    {
        for (int r = 0; r < Rows; r++)
            CounterBernoulli.Naive(_src.AsSpan(r * Pixels, Pixels), (ulong)r * 7919, _dest.AsSpan(r * Pixels, Pixels));
    }

    [Benchmark]
    public void Fill()
    {
        for (int r = 0; r < Rows; r++)
            CounterBernoulli.Fill(Path, _src.AsSpan(r * Pixels, Pixels), (ulong)r * 7919,
                _dest.AsSpan(r * Pixels, Pixels));
    }
}
