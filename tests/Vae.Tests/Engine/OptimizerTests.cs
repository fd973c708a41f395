using Vae.Nn;

namespace Vae.Tests.Engine;

public class OptimizerTests
{
    [Test]
    public void AdamMatchesPyTorchsFormulaStepByStep()
    {
        // Two steps on three parameters, against PyTorch's update written out in double precision:
        // m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
        float[] p = [0.5f, -1f, 2f];
        float[][] grads = [[0.1f, -0.2f, 0f], [0.3f, 0.05f, -1e-3f]];
        var adam = new Adam(3, learningRate: 0.01f);
        double[] ep = [0.5, -1, 2], m = new double[3], v = new double[3];
        for (int t = 1; t <= 2; t++)
        {
            adam.Update(p, (float[])grads[t - 1].Clone());
            for (int i = 0; i < 3; i++)
            {
                double g = grads[t - 1][i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                ep[i] -= 0.01 / (1 - Math.Pow(0.9, t)) * m[i]
                    / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(0.999, t)) + 1e-8);
            }
            for (int i = 0; i < 3; i++) Assert.That(p[i], Is.EqualTo(ep[i]).Within(1e-6), $"step {t}, parameter {i}");
        }
        Assert.That(adam.Step, Is.EqualTo(2));
    }

    [Test]
    public void AdamGivesTheSameResultAtEveryThreadCountAndLength()
    {
        // Long buffers are split over the cores in vector-aligned parts; the result must not depend on it.
        foreach (int n in new[] { 1, 7, 65_536, 100_003 })
        {
            var rng = new Rng((ulong)n);
            var g = new float[n]; rng.FillGaussian(g);
            var p1 = new float[n]; rng.FillGaussian(p1);
            var p2 = (float[])p1.Clone();
            var a1 = new Adam(n) { Threads = 1 };
            var a2 = new Adam(n) { Threads = 2 };
            for (int s = 0; s < 3; s++) { a1.Update(p1, (float[])g.Clone()); a2.Update(p2, (float[])g.Clone()); }
            Assert.That(p2, Is.EqualTo(p1), $"n = {n}");
        }
    }

    [Test]
    public void AdamStoresSubnormalMomentsAsZero()
    {
        // A gradient seen once, then never: m decays by 0.9 a step and would cross into subnormal floats.
        float[] p = [1f];
        var adam = new Adam(1);
        adam.Update(p, [1e-30f]);
        for (int s = 0; s < 200; s++) adam.Update(p, [0f]);   // unflushed, m would be 1e-31·0.9²⁰⁰ ≈ 7e-41, subnormal
        Assert.That(adam.M[0], Is.EqualTo(0f));
        Assert.That(adam.V[0], Is.EqualTo(0f));
        Assert.That(float.IsFinite(p[0]));
    }

    [Test]
    public void AdamVectorLoopMatchesItsScalarTwinAndZeroesTheGradients()
    {
        // 10,007 parameters: the vector body runs ~1,250 times (on 1 thread and split over 2), then a tail of 7.
        // Moments near the subnormal range and zero gradients exercise the flush in both loops.
        const int n = 10_007;
        var rng = new Rng(11);
        var pVector = new float[n]; rng.FillGaussian(pVector);
        var pScalar = (float[])pVector.Clone();
        var vector = new Adam(n, learningRate: 0.01f) { Threads = 2 };
        var scalar = new Adam(n, learningRate: 0.01f);
        for (int step = 0; step < 4; step++)
        {
            var g = new float[n];
            rng.FillGaussian(g);
            // Every 5th gradient is tiny once, then 0: its m is flushed at once (1e-38) or decays past FLT_MIN later.
            for (int i = 0; i < n; i += 5) g[i] = step > 0 ? 0f : i % 10 == 0 ? 1e-37f : 1.3e-37f;
            var gScalar = (float[])g.Clone();
            vector.Update(pVector, g);
            scalar.UpdateScalar(pScalar, gScalar);
            Assert.That(g, Is.All.EqualTo(0f), "Update zeroes the gradients it read");
            Assert.That(gScalar, Is.All.EqualTo(0f), "so does the scalar twin");
        }
        Assert.That(pVector, Is.EqualTo(pScalar).AsCollection, "parameters");
        Assert.That(vector.M, Is.EqualTo(scalar.M).AsCollection, "first moments");
        Assert.That(vector.V, Is.EqualTo(scalar.V).AsCollection, "second moments");
        Assert.That(vector.M.Count(v => v == 0f), Is.GreaterThan(n / 6), "the flushed moments are there to compare");
    }
}
