using Vae.Engine;

namespace Vae.Tests.Engine;

public class RngTests
{
    [Test]
    public void ParallelGaussianFillIsTheSequentialStream()
    {
        // Lengths odd and even, small (inline) and large (split), starting with and without a spare value: the same
        // numbers in the same places, and the same stream after (the next draws agree too).
        foreach (int first in new[] { 0, 1 })
        foreach (int n in new[] { 0, 1, 2, 7, 1000, 5001, 100_000 })
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var a = new Rng(42, 3);
            var b = new Rng(42, 3);
            for (int i = 0; i < first; i++) { a.NextGaussian(); b.NextGaussian(); }   // leaves a spare
            float[] sequential = new float[n], parallel = new float[n];
            a.FillGaussian(sequential);
            b.FillGaussian(parallel, threads);
            Assert.That(parallel, Is.EqualTo(sequential).AsCollection, $"n {n}, first {first}, threads {threads}");
            Assert.That(b.GetState(), Is.EqualTo(a.GetState()), $"state after: n {n}, first {first}");
            Assert.That(b.NextGaussian(), Is.EqualTo(a.NextGaussian()));
        }
    }

    [Test]
    public void ParallelGaussianFillHasUnitMomentsAndAllocatesOnlyToGrow()
    {
        var rng = new Rng(9);
        var x = new float[200_000];
        rng.FillGaussian(x, threads: 2);
        double mean = x.Average(v => (double)v), variance = x.Average(v => (double)v * v) - mean * mean;
        Assert.That(mean, Is.EqualTo(0).Within(0.01));          // 4.5 standard errors at n = 200,000
        Assert.That(variance, Is.EqualTo(1).Within(0.015));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) rng.FillGaussian(x, threads: 2);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
