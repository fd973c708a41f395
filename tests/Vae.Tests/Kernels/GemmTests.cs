using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NUnit.Framework;
using Vae.Kernels;

namespace Vae.Tests.Kernels;

/// <summary>
/// Every SIMD GEMM path against the naive triple loop, over sizes that straddle the vector width (8 or 16), the
/// micro-tile (8×32, 6×16, 4×2V) and the cache blocks (KC = MC = 192, NC = 1536), all four transpose combinations,
/// with and without accumulate.
/// </summary>
[TestFixture]
public class GemmTests
{
    private delegate void GemmRun(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA,
        bool transB, Span<float> c, bool accumulate);

    // Every instruction set this machine can run, each on 1 thread and on more (uneven splits included).
    private static List<(string Name, GemmRun Run)> Paths()
    {
        var paths = new List<(string, GemmRun)>
        {
            ("Multiply t1",
                (a, b, m, n, k, ta, tb, c, acc) => Gemm.Multiply(a, b, m, n, k, ta, tb, c, acc, threads: 1)),
            ("Multiply t2",
                (a, b, m, n, k, ta, tb, c, acc) => Gemm.Multiply(a, b, m, n, k, ta, tb, c, acc, threads: 2)),
        };
        foreach (var path in Enum.GetValues<GemmPath>().Where(Gemm.IsSupported))
        {
            paths.Add(($"{path} t1",
                (a, b, m, n, k, ta, tb, c, acc) => Gemm.Multiply(path, a, b, m, n, k, ta, tb, c, acc, threads: 1)));
            paths.Add(($"{path} t3",
                (a, b, m, n, k, ta, tb, c, acc) => Gemm.Multiply(path, a, b, m, n, k, ta, tb, c, acc, threads: 3)));
        }
        return paths;
    }

    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Runs every path on one (m, n, k) for all transposes and both accumulate modes; returns the
    /// failures.</summary>
    private static void CheckAll(Random rng, int m, int n, int k, List<string> failures)
    {
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
        float[] absA = Array.ConvertAll(a, Math.Abs), absB = Array.ConvertAll(b, Math.Abs);
        float[] expected = new float[m * n], bound = new float[m * n], actual = new float[m * n];
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        {
            // The storage of A and B is the same random data whatever the transpose; only its meaning changes.
            Gemm.Naive(absA, absB, m, n, k, ta, tb, bound, accumulate: false);
            foreach (bool acc in new[] { false, true })
            {
                c0.CopyTo(expected, 0);
                Gemm.Naive(a, b, m, n, k, ta, tb, expected, acc);
                foreach (var (name, run) in Paths())
                {
                    c0.CopyTo(actual, 0);
                    run(a, b, m, n, k, ta, tb, actual, acc);
                    for (int i = 0; i < m * n; i++)
                    {
                        // Both sums are within γ_k·(Σ|a||b| + |c0|) of the exact value (γ_k ≈ k·2⁻²⁴, the classic
                        // dot-product bound), so they are within twice that of each other. A wrong index gives O(1).
                        double tol = 2 * (k + 1) * Math.Pow(2, -24) * (bound[i] + (acc ? Math.Abs(c0[i]) : 0)) + 1e-30;
                        if (!(Math.Abs(actual[i] - expected[i]) <= tol))
                        {
                            failures.Add($"{name} m={m} n={n} k={k} transA={ta} transB={tb} accumulate={acc}: " +
                                $"C[{i / n},{i % n}] = {actual[i]}, naive {expected[i]}, tolerance {tol:E1}");
                            break;
                        }
                    }
                }
            }
        }
    }

    // Each dimension swept over 0..70 while the other two sit at values around the vector and tile widths.
    private static readonly (int, int)[] Fixed = [(1, 33), (7, 65), (17, 16), (65, 9)];

    [TestCase(0), TestCase(1), TestCase(2)]
    public void SweepOneDimensionMatchesNaive(int dimension)
    {
        var rng = new Random(100 + dimension);
        var failures = new List<string>();
        foreach (var (x, y) in Fixed)
            for (int s = 0; s <= 70; s++)
            {
                var (m, n, k) = dimension switch { 0 => (s, x, y), 1 => (x, s, y), _ => (x, y, s) };
                CheckAll(rng, m, n, k, failures);
            }
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(10)));
    }

    [Test]
    public void RandomTriplesMatchNaive()
    {
        var rng = new Random(7);
        var failures = new List<string>();
        for (int t = 0; t < 60; t++)
            CheckAll(rng, rng.Next(71), rng.Next(71), rng.Next(71), failures);
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(10)));
    }

    // Larger shapes that cross the KC/MC/NC cache blocks, uneven splits between threads, and the VAE's own shapes.
    [TestCase(193, 97, 385), TestCase(385, 33, 200), TestCase(9, 1601, 20)]
    [TestCase(128, 400, 784), TestCase(400, 784, 128), TestCase(20, 200, 784), TestCase(20, 784, 200)]
    public void BlockedShapesMatchNaive(int m, int n, int k)
    {
        var failures = new List<string>();
        CheckAll(new Random(m * 31 + n * 7 + k), m, n, k, failures);
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(10)));
    }

    [Test]
    public void ResultsAreBitIdenticalRunToRunAndAcrossThreadCounts()
    {
        const int m = 128, n = 400, k = 784;
        var rng = new Random(3);
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, n * k);
        float[] first = new float[m * n], second = new float[m * n], single = new float[m * n];
        Gemm.Multiply(a, b, m, n, k, false, true, first, false, threads: 2);
        Gemm.Multiply(a, b, m, n, k, false, true, second, false, threads: 2);
        Gemm.Multiply(a, b, m, n, k, false, true, single, false, threads: 1);
        Assert.That(second, Is.EqualTo(first).AsCollection, "threads=2 twice");
        Assert.That(single, Is.EqualTo(first).AsCollection, "threads=1 vs threads=2");
    }

    [Test]
    public void SplittingKOverThreadsGivesTheBitsOfOneThread()
    {
        // A few rows times a deep, row-major B is cut by K blocks over the threads, each block into its own partial
        // product: summed onto C in block order they must give one thread's bits (2 to 5 blocks here; 3,100 is past
        // the split's limit and cut by columns instead).
        var rng = new Random(11);
        foreach (var (m, n, k) in new[] { (20, 200, 200), (20, 200, 784), (20, 784, 200), (24, 50, 400), (3, 40, 1000),
                     (20, 40, 3100) })
        foreach (var path in Enum.GetValues<GemmPath>().Where(Gemm.IsSupported))
        foreach (bool acc in new[] { false, true })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
            var one = (float[])c0.Clone();
            Gemm.Multiply(path, a, b, m, n, k, false, false, one, acc, threads: 1);
            foreach (int threads in new[] { 2, 3 })
            {
                // The shapes below the limits are cut by K at 2 threads (else this test would test nothing new).
                if (threads == 2) Assert.That(Gemm.SplitsByK(m, n, k, false, threads), Is.EqualTo(k <= 3072));
                var split = (float[])c0.Clone();
                Gemm.Multiply(path, a, b, m, n, k, false, false, split, acc, threads);
                Assert.That(split, Is.EqualTo(one).AsCollection, $"{path} {m}x{n}x{k} accumulate={acc} t={threads}");
            }
        }
    }

    [Test]
    public void ClaimingTilesGivesTheBitsOfOneThreadAndOfHalves()
    {
        // Two threads share out a product's tiles from both ends (Gemm.ClaimTiles): the forward x·Wᵀ at the paper's
        // batch (cut by columns; A, five K blocks of it, packed once per thread and reused), weight gradients dYᵀ·X
        // (cut by rows; B packed once; GemmSinkTests has them with Adam's sink), odd edges, and the default model's
        // forward and weight gradient at batch 128 (which had two strips per thread before). Each must give one
        // thread's bits, and the fixed strips'.
        var rng = new Random(12);
        bool before = Gemm.ClaimTiles;
        try
        {
            foreach (var (m, n, k, ta, tb) in new[] { (20, 200, 784, false, true), (20, 784, 200, false, true),
                         (120, 300, 20, true, false), (784, 200, 20, true, false), (13, 250, 403, false, true),
                         (150, 77, 37, true, true), (128, 400, 784, false, true), (784, 400, 128, true, false) })
            foreach (var path in Enum.GetValues<GemmPath>().Where(Gemm.IsSupported))
            foreach (bool acc in new[] { false, true })
            {
                float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
                float[] bias = RandomArray(rng, n);
                var one = (float[])c0.Clone();
                Gemm.Multiply(path, a, b, m, n, k, ta, tb, one, acc, threads: 1);
                var withBias = new float[m * n];
                Gemm.MultiplyAddBias(path, a, b, bias, m, n, k, ta, tb, withBias, threads: 1);
                foreach (bool claim in new[] { true, false })
                {
                    Gemm.ClaimTiles = claim;
                    long claimed = Gemm.ClaimedCalls;
                    var two = (float[])c0.Clone();
                    Gemm.Multiply(path, a, b, m, n, k, ta, tb, two, acc, threads: 2);
                    // Each of these shapes is cut in one strip per thread, so the claimed cut is really taken.
                    Assert.That(Gemm.ClaimedCalls - claimed, Is.EqualTo(claim ? 1 : 0), $"{path} {m}x{n}x{k}");
                    string what = $"{path} {m}x{n}x{k} accumulate={acc} claim={claim}";
                    Assert.That(two, Is.EqualTo(one).AsCollection, what);
                    var twoBias = new float[m * n];
                    Gemm.MultiplyAddBias(path, a, b, bias, m, n, k, ta, tb, twoBias, threads: 2);
                    Assert.That(twoBias, Is.EqualTo(withBias).AsCollection, what + " with a bias");
                }
            }
        }
        finally { Gemm.ClaimTiles = before; }
    }

    [Test]
    public void Avx512AndAvx2PathsGiveTheSameBits()
    {
        // Both sum each C element over k in the same order with fused multiply-adds, in the same K blocks: training
        // gives the same numbers on a CPU with or without AVX-512.
        if (!Gemm.IsSupported(GemmPath.Avx512)) Assert.Ignore("needs AVX-512 (the AVX2 path is compared in its place)");
        var rng = new Random(9);
        foreach (var (m, n, k, ta, tb) in new[] { (128, 400, 784, false, true), (400, 784, 128, true, false),
                     (128, 784, 400, false, false), (37, 61, 403, true, true),
                     (20, 200, 784, false, true), (20, 784, 200, false, false), (12, 64, 50, true, false) })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
            float[] wide = RandomArray(rng, m * n), narrow = (float[])wide.Clone();
            Gemm.Multiply(GemmPath.Avx512, a, b, m, n, k, ta, tb, wide, accumulate: true, threads: 1);
            Gemm.Multiply(GemmPath.Avx2, a, b, m, n, k, ta, tb, narrow, accumulate: true, threads: 2);
            Assert.That(narrow, Is.EqualTo(wide).AsCollection, $"{m}x{n}x{k}");
        }
    }

    [Test]
    public void ConcurrentCallersGetBitIdenticalResults()
    {
        // Three callers share the worker pool: one gets it, the others run their parts on their own thread.
        const int m = 64, n = 96, k = 200;
        var rng = new Random(5);
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), expected = new float[m * n];
        Gemm.Multiply(a, b, m, n, k, false, false, expected, false, threads: 1);
        int mismatches = 0;
        var callers = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            var c = new float[m * n];
            for (int i = 0; i < 200; i++)
            {
                Gemm.Multiply(a, b, m, n, k, false, false, c, false, threads: 2);
                if (!c.AsSpan().SequenceEqual(expected)) Interlocked.Increment(ref mismatches);
            }
        })).ToArray();
        foreach (var t in callers) t.Start();
        foreach (var t in callers) t.Join();
        Assert.That(mismatches, Is.Zero);
    }

    [Test]
    public void SteadyStateCallsAllocateNothing()
    {
        const int m = 128, n = 784, k = 400;
        var rng = new Random(4);
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, n * k), c = new float[m * n], dW = new float[k * n];
        for (int i = 0; i < 3; i++) // JIT, packing buffers, worker threads
        {
            Gemm.Multiply(a, b, m, n, k, false, true, c, false, threads: 2);
            Gemm.Multiply(a, c, k, n, m, true, false, dW, true, threads: 2);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Gemm.Multiply(a, b, m, n, k, false, true, c, false, threads: 2);
            Gemm.Multiply(a, c, k, n, m, true, false, dW, true, threads: 2); // a backward-style product
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void KZeroClearsOrKeepsC()
    {
        float[] c = [1, 2, 3, 4];
        Gemm.Multiply([], [], 2, 2, 0, false, false, c, accumulate: true);
        Assert.That(c, Is.EqualTo(new float[] { 1, 2, 3, 4 }).AsCollection);
        Gemm.Multiply([], [], 2, 2, 0, false, false, c, accumulate: false);
        Assert.That(c, Is.EqualTo(new float[4]).AsCollection);
    }

    [Test]
    public void BadArgumentsThrow()
    {
        float[] a = new float[6], b = new float[6], c = new float[4];
        Assert.Multiple(() =>
        {
            Assert.That(() => Gemm.Multiply(a, b, -1, 2, 3, false, false, c, false),
                Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Gemm.Multiply(a, b, 2, 2, -3, false, false, c, false),
                Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Gemm.Multiply(a, b, 2, 2, 3, false, false, c, false, threads: -1),
                Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Gemm.Multiply(a.AsSpan(1), b, 2, 2, 3, false, false, c, false),
                Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Gemm.Multiply(a, b.AsSpan(1), 2, 2, 3, false, false, c, false),
                Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Gemm.Multiply(a, b, 2, 2, 3, false, false, c.AsSpan(1), false),
                Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Gemm.Naive(a, b, 2, 2, 4, false, false, c, false),
                Throws.InstanceOf<ArgumentException>());
            Assert.That(() => Gemm.Multiply(GemmPath.Portable, a, b, 3, 2, 3, false, false, c, false),
                Throws.InstanceOf<ArgumentException>());
        });
    }

    [Test]
    public void SelectedPathIsTheBestTheHardwareReports()
    {
        // Run the suite once more with DOTNET_EnableAVX512=0 (the .NET 10 switch; EnableAVX512F no longer exists)
        // and this must say Avx2: that is how the AVX2 path is tested on an AVX-512 machine.
        var expected = Avx512F.IsSupported ? GemmPath.Avx512
            : Avx2.IsSupported && Fma.IsSupported ? GemmPath.Avx2
            : GemmPath.Portable;
        Assert.That(Gemm.Path, Is.EqualTo(expected));
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
            Assert.That(Gemm.Path, Is.Not.EqualTo(GemmPath.Avx512), "DOTNET_EnableAVX512=0 must turn AVX-512 off");
        Assert.That(Gemm.IsSupported(GemmPath.Portable));
        Assert.That(Gemm.Describe(Gemm.Path), Does.StartWith(expected switch
        {
            GemmPath.Avx512 => "AVX-512", GemmPath.Avx2 => "AVX2", _ => "portable",
        }));
    }

    [Test]
    public void AnUnsupportedPathIsRefused()
    {
        float[] a = new float[4], b = new float[4], c = new float[4];
        foreach (var path in Enum.GetValues<GemmPath>().Where(p => !Gemm.IsSupported(p)))
            Assert.That(() => Gemm.Multiply(path, a, b, 2, 2, 2, false, false, c, false),
                Throws.InstanceOf<PlatformNotSupportedException>(), path.ToString());
    }
}
