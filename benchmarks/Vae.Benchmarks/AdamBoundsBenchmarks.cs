using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;
using Vae.Kernels;
using Vae.Nn;

namespace Vae.Benchmarks;

/// <summary>
/// What bounds an Adam update of Burda et al.'s model (425,284 parameters), on 1 and 2 threads: the library's update
/// beside two loops that are not Adam and only say where its time goes.
/// <list type="bullet">
/// <item><c>Exact</c>: <see cref="Adam.Update"/>, every stream and operation.</item>
/// <item><c>NoDivider</c>: the same loop with the square root and the division replaced by the hardware's
/// reciprocal estimates (AVX-512 or AVX; wrong numbers): what the divider unit costs.</item>
/// <item><c>StreamsOnly</c>: the same loads and stores (gradient, both moments, weights) with the moments'
/// multiply-adds but no square root, division or flush to zero: the memory floor of the update.</item>
/// </list>
/// Run: dotnet run -c Release --project benchmarks/Vae.Benchmarks -- --filter '*AdamBounds*'
/// </summary>
[Config(typeof(ShortRunConfig))]
public unsafe class AdamBoundsBenchmarks
{
    private const int Parameters = 425_284;
    private const float SmallestNormal = 1.17549435e-38f; // as Adam's flush to zero
    private float* _p, _g, _m, _v;
    private float[] _pArray = [], _gArray = [];
    private Adam _adam = null!;

    [Params(1, 2)] public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _pArray = new float[Parameters];
        _gArray = new float[Parameters];
        for (int i = 0; i < Parameters; i++) _pArray[i] = (float)(rng.NextDouble() - 0.5);
        _adam = new Adam(Parameters, epsilon: 1e-4f) { Threads = Threads };
        float* Buffer() => (float*)NativeMemory.AlignedAlloc(Parameters * sizeof(float), 64);
        _p = Buffer(); _g = Buffer(); _m = Buffer(); _v = Buffer();
        for (int i = 0; i < Parameters; i++)
        {
            _p[i] = _pArray[i];
            _g[i] = _m[i] = _v[i] = 0f;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in new[] { (nint)_p, (nint)_g, (nint)_m, (nint)_v }) NativeMemory.AlignedFree((void*)b);
    }

    /// <summary>A fresh gradient each time (the loops zero it). Dense, so that no moment decays into the slow
    /// subnormal range however many times a loop runs (only <c>Exact</c> flushes them); <c>RefillOnly</c> times this
    /// part alone.</summary>
    private static void Refill(float* g) => new Span<float>(g, Parameters).Fill(1e-3f);

    [Benchmark(Baseline = true)]
    public void Exact()
    {
        fixed (float* g = _gArray) Refill(g);
        _adam.Update(_pArray, _gArray);
    }

    [Benchmark]
    public void NoDivider() => Run(&NoDividerPart);

    [Benchmark]
    public void RefillOnly() => Refill(_g);

    [Benchmark]
    public void StreamsOnly() => Run(&StreamsOnlyPart);

    private struct State
    {
        public float* P, G, M, V;
        public int Parts;
    }

    /// <summary>The buffers in <see cref="Threads"/> contiguous parts, one per thread, as Adam cuts them.</summary>
    private void Run(delegate*<void*, int, void> part)
    {
        Refill(_g);
        var state = new State { P = _p, G = _g, M = _m, V = _v, Parts = Threads };
        WorkerPool.Run(Threads, Threads, part, &state);
    }

    private static (int Start, int End) Range(State* s, int part)
    {
        int per = (Parameters / s->Parts + 15) / 16 * 16;
        return (part * per, part == s->Parts - 1 ? Parameters : Math.Min(Parameters, (part + 1) * per));
    }

    private static void NoDividerPart(void* state, int part)
    {
        var s = (State*)state;
        var (i, end) = Range(s, part);
        float* p = s->P, g = s->G, m = s->M, v = s->V;
        var b1 = Vector256.Create(0.9f); var ob1 = Vector256.Create(0.1f);
        var b2 = Vector256.Create(0.999f); var ob2 = Vector256.Create(0.001f);
        var eps = Vector256.Create(1e-4f); var ss = Vector256.Create(1e-3f);
        var tiny = Vector256.Create(SmallestNormal); var zero = Vector256<float>.Zero;
        if (Avx512F.IsSupported)
        {
            var b1w = Vector512.Create(0.9f); var ob1w = Vector512.Create(0.1f);
            var b2w = Vector512.Create(0.999f); var ob2w = Vector512.Create(0.001f);
            var epsw = Vector512.Create(1e-4f); var ssw = Vector512.Create(1e-3f);
            var tinyw = Vector512.Create(SmallestNormal); var zerow = Vector512<float>.Zero;
            for (; i <= end - 16; i += 16)
            {
                var gi = Vector512.Load(g + i);
                Vector512<float>.Zero.Store(g + i);
                var mi = b1w * Vector512.Load(m + i) + ob1w * gi;
                var vi = b2w * Vector512.Load(v + i) + ob2w * gi * gi;
                mi = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(mi), tinyw), zerow, mi);
                vi = Vector512.ConditionalSelect(Vector512.LessThan(vi, tinyw), zerow, vi);
                mi.Store(m + i);
                vi.Store(v + i);
                var root = vi * Avx512F.ReciprocalSqrt14(vi + tinyw);
                (Vector512.Load(p + i) - ssw * mi * Avx512F.Reciprocal14(root + epsw)).Store(p + i);
            }
        }
        else if (Avx.IsSupported)
        {
            for (; i <= end - 8; i += 8)
            {
                var gi = Vector256.Load(g + i);
                Vector256<float>.Zero.Store(g + i);
                var mi = b1 * Vector256.Load(m + i) + ob1 * gi;
                var vi = b2 * Vector256.Load(v + i) + ob2 * gi * gi;
                mi = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(mi), tiny), zero, mi);
                vi = Vector256.ConditionalSelect(Vector256.LessThan(vi, tiny), zero, vi);
                mi.Store(m + i);
                vi.Store(v + i);
                var root = vi * Avx.ReciprocalSqrt(vi + tiny);
                (Vector256.Load(p + i) - ss * mi * Avx.Reciprocal(root + eps)).Store(p + i);
            }
        }
        else throw new PlatformNotSupportedException("NoDivider needs AVX");
    }

    private static void StreamsOnlyPart(void* state, int part)
    {
        var s = (State*)state;
        var (i, end) = Range(s, part);
        float* p = s->P, g = s->G, m = s->M, v = s->V;
        var b1 = Vector<float>.One * 0.9f; var ob1 = Vector<float>.One * 0.1f;
        var b2 = Vector<float>.One * 0.999f; var ob2 = Vector<float>.One * 0.001f; var ss = Vector<float>.One * 1e-3f;
        for (; i <= end - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gi = Vector.Load(g + i);
            Vector<float>.Zero.Store(g + i);
            var mi = b1 * Vector.Load(m + i) + ob1 * gi;
            var vi = b2 * Vector.Load(v + i) + ob2 * gi * gi;
            mi.Store(m + i);
            vi.Store(v + i);
            (Vector.Load(p + i) - ss * mi).Store(p + i);
        }
    }
}
