using Vae.Kernels;

namespace Vae.Tests.Kernels;

/// <summary>A product handed tile by tile to a <see cref="TileSink"/> holds exactly what the stored product holds.</summary>
public unsafe class GemmSinkTests
{
    private struct Collect
    {
        public float* C;
        public int* Seen;
        public int Ldc;
    }

    private static void Take(void* state, int row, int col, float* tile, int ldt, int rows, int cols)
    {
        ref Collect s = ref *(Collect*)state;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                s.C[(row + r) * s.Ldc + col + c] = tile[r * ldt + c];
                Interlocked.Increment(ref s.Seen[(row + r) * s.Ldc + col + c]);
            }
    }

    // The weight gradients of the paper's batch-20 step (dW = dYᵀ·X, K = 20), an IWAE k = 5 decoder's (K = 100), the
    // largest K a sink takes, and odd edges (rows and columns not multiples of any tile).
    [TestCase(200, 784, 20, true, false)]
    [TestCase(784, 200, 20, true, false)]
    [TestCase(50, 200, 100, true, false)]
    [TestCase(37, 65, 192, true, false)]
    [TestCase(13, 7, 3, false, true)]
    [TestCase(4, 33, 1, false, false)]
    public void SinkSeesEachElementOnceWithTheStoredProductsBits(int m, int n, int k, bool transA, bool transB)
    {
        var a = RandomArrays.Uniform(m * k, 1);
        var b = RandomArrays.Uniform(k * n, 2);
        foreach (var path in Enum.GetValues<GemmPath>().Where(Gemm.IsSupported))
            for (int threads = 1; threads <= 2; threads++)
            {
                var expected = new float[m * n];
                Gemm.Multiply(path, a, b, m, n, k, transA, transB, expected, accumulate: false, threads);
                var got = new float[m * n];
                var seen = new int[m * n];
                long claimed = Gemm.ClaimedCalls;
                fixed (float* pc = got)
                fixed (int* ps = seen)
                {
                    var state = new Collect { C = pc, Seen = ps, Ldc = n };
                    Gemm.Multiply(path, a, b, m, n, k, transA, transB, new TileSink(&Take, &state), threads);
                }
                // Two threads share the strips of the larger products from both ends (Gemm.ClaimTiles).
                if (threads == 2 && (long)m * n * k >= 64 * 1024 && Gemm.ClaimTiles)
                    Assert.That(Gemm.ClaimedCalls, Is.GreaterThan(claimed), $"{path}: the strips were claimed");
                Assert.That(seen, Is.All.EqualTo(1), $"{path}, {threads} threads: every element handed over once");
                Assert.That(got, Is.EqualTo(expected), $"{path}, {threads} threads");
            }
    }

    [Test]
    public void SinkRefusesAnInnerSizeBeyondOneBlock()
    {
        int k = Gemm.MaxSinkK + 1;
        var a = new float[4 * k];
        var b = new float[k * 4];
        var sink = new TileSink(&Take, null);
        Assert.That(() => Gemm.Multiply(a, b, 4, 4, k, false, false, sink), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}

/// <summary>The product with its bias added tile by tile equals the product followed by adding the bias.</summary>
public class GemmBiasTests
{
    // The paper's forward products (x·Wᵀ at batch 20; K = 784 takes several K blocks), batch 128, odd edges.
    [TestCase(20, 200, 784, false, true)]
    [TestCase(20, 50, 200, false, true)]
    [TestCase(128, 400, 784, false, true)]
    [TestCase(13, 37, 5, false, false)]
    [TestCase(3, 70, 200, true, true)]
    [TestCase(5, 6, 0, false, true)]
    public void BiasAddedInTheProductEqualsBiasAddedAfter(int m, int n, int k, bool transA, bool transB)
    {
        var a = RandomArrays.Uniform(m * k, 1);
        var b = RandomArrays.Uniform(k * n, 2);
        var bias = RandomArrays.Uniform(n, 3);
        foreach (var path in Enum.GetValues<GemmPath>().Where(Gemm.IsSupported))
            for (int threads = 1; threads <= 2; threads++)
            {
                var expected = new float[m * n];
                Gemm.Multiply(path, a, b, m, n, k, transA, transB, expected, accumulate: false, threads);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) expected[i * n + j] += bias[j];
                var got = RandomArrays.Uniform(m * n, 4); // overwritten, not added to
                Gemm.MultiplyAddBias(path, a, b, bias, m, n, k, transA, transB, got, threads);
                Assert.That(got, Is.EqualTo(expected), $"{path}, {threads} threads");
            }
    }

    [Test]
    public void BiasOfTheWrongLengthIsRefused() =>
        Assert.That(() => Gemm.MultiplyAddBias(new float[4], new float[4], new float[3], 2, 2, 2, false, false,
            new float[4]), Throws.ArgumentException);
}
