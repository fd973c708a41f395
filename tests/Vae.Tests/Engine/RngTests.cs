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

    [Test]
    public void ParallelGaussianFillFollowsTheStreamThroughMixedCalls()
    {
        var rnd = new Random(3);
        var a = new Rng(7, 2);
        var b = new Rng(7, 2);
        int[] lengths = [0, 1, 2, 3, 4, 5, 511, 512, 513, 514, 515, 1023, 1024, 1025, 4097, 100_001, 250_000];
        for (int step = 0; step < 400; step++)
        {
            int op = rnd.Next(4);
            if (op == 0) { Assert.That(b.NextGaussian(), Is.EqualTo(a.NextGaussian())); }
            else if (op == 1) { Assert.That(b.NextDouble(), Is.EqualTo(a.NextDouble())); }
            else
            {
                int n = lengths[rnd.Next(lengths.Length)];
                int t = rnd.Next(5);
                var seq = new float[n];
                var par = new float[n];
                a.FillGaussian(seq);
                b.FillGaussian(par, t);
                Assert.That(par.AsSpan().SequenceEqual(seq), $"step {step} n {n} t {t}");
            }
            Assert.That(b.GetState(), Is.EqualTo(a.GetState()), $"step {step}");
        }
    }

    [Test]
    public void ParallelGaussianFillAfterSetState()
    {
        // A resumed run: the state (spare included) set from text, then a parallel fill.
        foreach (int t in new[] { 0, 1, 2, 3 })
        foreach (int n in new[] { 1, 2, 3, 1001, 1002 })
        {
            var src = new Rng(11);
            src.NextGaussian();
            string state = src.GetState();
            var a = new Rng(1); a.SetState(state);
            var b = new Rng(2); b.SetState(state);
            float[] seq = new float[n], par = new float[n];
            a.FillGaussian(seq);
            b.FillGaussian(par, t);
            Assert.That(par, Is.EqualTo(seq).AsCollection);
            Assert.That(b.GetState(), Is.EqualTo(a.GetState()));
        }
    }

    [Test]
    public void ParallelGaussianFillsOnSeveralRngsAtOnce()
    {
        // Several callers, each its own Rng, share the worker pool (one gets it, the others run inline).
        int mismatches = 0;
        var threads = Enumerable.Range(0, 3).Select(id => new Thread(() =>
        {
            var a = new Rng(100 + (ulong)id);
            var b = new Rng(100 + (ulong)id);
            for (int i = 0; i < 50; i++)
            {
                int n = 3001 + i;
                float[] seq = new float[n], par = new float[n];
                a.FillGaussian(seq);
                b.FillGaussian(par, 2);
                if (!par.AsSpan().SequenceEqual(seq) || a.GetState() != b.GetState())
                    Interlocked.Increment(ref mismatches);
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.That(mismatches, Is.Zero);
    }
}
