using Vae.Kernels;

namespace Vae.Tests.Kernels;

public class GemmPairTests
{
    // A layer's backward: dX (128,400) += dY (128,784)·W (784,400) and dW (784,400) += dYᵀ·X, plus odd sizes.
    [TestCase(128, 400, 784, 784, 400, 128)]
    [TestCase(37, 65, 33, 70, 41, 29)]
    [TestCase(3, 5, 7, 2, 9, 4)]
    public void ConcurrentPairEqualsTwoSequentialProductsBitForBit(int m1, int n1, int k1, int m2, int n2, int k2)
    {
        var a1 = RandomArrays.Uniform(m1 * k1, 1); var b1 = RandomArrays.Uniform(k1 * n1, 2);
        var a2 = RandomArrays.Uniform(k2 * m2, 3); var b2 = RandomArrays.Uniform(k2 * n2, 4);
        var c1 = RandomArrays.Uniform(m1 * n1, 5); var c2 = RandomArrays.Uniform(m2 * n2, 6);
        var s1 = (float[])c1.Clone(); var s2 = (float[])c2.Clone();
        Gemm.Multiply(a1, b1, m1, n1, k1, false, false, s1, true, threads: 1);
        Gemm.Multiply(a2, b2, m2, n2, k2, true, false, s2, true, threads: 1);
        for (int threads = 1; threads <= 2; threads++)
        {
            var p1 = (float[])c1.Clone(); var p2 = (float[])c2.Clone();
            Gemm.MultiplyConcurrently(new GemmArgs(a1, b1, m1, n1, k1, false, false, p1),
                new GemmArgs(a2, b2, m2, n2, k2, true, false, p2), accumulate: true, threads);
            Assert.That(p1, Is.EqualTo(s1), $"first product, {threads} threads");
            Assert.That(p2, Is.EqualTo(s2), $"second product, {threads} threads");
        }
    }

    [Test]
    public void OverlappingOutputsRunOneAfterTheOther()
    {
        // Both products accumulate into the same buffer: must equal doing them in turn.
        var a = RandomArrays.Uniform(64 * 64, 7); var b = RandomArrays.Uniform(64 * 64, 8);
        var c = new float[64 * 64]; var expected = new float[64 * 64];
        Gemm.Multiply(a, b, 64, 64, 64, false, false, expected, true, 1);
        Gemm.Multiply(b, a, 64, 64, 64, false, false, expected, true, 1);
        Gemm.MultiplyConcurrently(new GemmArgs(a, b, 64, 64, 64, false, false, c),
            new GemmArgs(b, a, 64, 64, 64, false, false, c), true, 2);
        Assert.That(c, Is.EqualTo(expected));
    }
}
