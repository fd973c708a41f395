using NUnit.Framework;
using Vae.Engine;
using Vae.Kernels;

namespace Vae.Tests.Review;

/// <summary>Review of 19d265a..bbe9ce0: B read in place, the overlapping transpose tail, the parallel ε.</summary>
[TestFixture]
public class Review16Tests
{
    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static IEnumerable<GemmPath> Paths() => Enum.GetValues<GemmPath>().Where(Gemm.IsSupported);

    [Test]
    public void DirectBGivesPackedBitsOnManyShapes()
    {
        var rng = new Random(1);
        var failures = new List<string>();
        int[] ms = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20, 23, 24];
        int[] ns = [1, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 63, 65, 200, 1537, 1601, 3100];
        int[] ks = [1, 2, 3, 9, 193, 385];
        foreach (int n in ns)
        foreach (int k in ks)
        {
            if ((long)n * k > 1_500_000) continue;
            float[] b = RandomArray(rng, k * n);
            const int extra = 48; // past DirectBMaxRows: packed
            float[] a = RandomArray(rng, (24 + extra) * k), c0 = RandomArray(rng, (24 + extra) * n);
            foreach (var path in Paths())
            foreach (bool acc in new[] { false, true })
            foreach (int m in ms)
            {
                int big = m + extra;
                float[] packed = c0[..(big * n)];
                Gemm.Multiply(path, a, b, big, n, k, false, false, packed, acc, threads: 1);
                foreach (int t in new[] { 1, 2, 3 })
                {
                    float[] direct = c0[..(m * n)];
                    Gemm.Multiply(path, a, b, m, n, k, false, false, direct, acc, threads: t);
                    if (!direct.AsSpan().SequenceEqual(packed.AsSpan(0, m * n)))
                    {
                        int i = 0;
                        while (direct[i].Equals(packed[i])) i++;
                        failures.Add($"{path} m={m} n={n} k={k} acc={acc} t={t}: C[{i / n},{i % n}] " +
                            $"{direct[i]} vs packed {packed[i]}");
                    }
                }
            }
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
    }

    [Test]
    public void TransposingPackGivesTheCopyingPacksBits()
    {
        // op(A)·op(B) with A or B stored transposed must give the bits of the same product stored plainly: both pack
        // the same panels (one by TransposePanel, the other by CopyPanel). m > DirectBMaxRows, so B is packed either
        // way.
        var rng = new Random(2);
        var failures = new List<string>();
        var ks = Enumerable.Range(1, 40).Concat(new[] { 63, 64, 65, 71, 193, 197, 199, 203, 391 }).ToArray();
        foreach (int k in ks)
        foreach (var (m, n) in new[] { (25, 9), (31, 17), (40, 33), (27, 70), (26, 8) })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
            float[] aT = new float[k * m], bT = new float[n * k];
            for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) aT[p * m + i] = a[i * k + p];
            for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) bT[j * k + p] = b[p * n + j];
            foreach (var path in Paths())
            foreach (bool acc in new[] { false, true })
            {
                float[] plain = (float[])c0.Clone(), viaA = (float[])c0.Clone(), viaB = (float[])c0.Clone();
                // plain: A transposed-stored (CopyPanel for A), B plain (CopyPanel for B)
                Gemm.Multiply(path, aT, b, m, n, k, true, false, plain, acc, threads: 1);
                // A stored plainly: TransposePanel for A
                Gemm.Multiply(path, a, b, m, n, k, false, false, viaA, acc, threads: 1);
                // B stored transposed: TransposePanel for B
                Gemm.Multiply(path, aT, bT, m, n, k, true, true, viaB, acc, threads: 2);
                if (!viaA.AsSpan().SequenceEqual(plain)) failures.Add($"{path} A m={m} n={n} k={k} acc={acc}");
                if (!viaB.AsSpan().SequenceEqual(plain)) failures.Add($"{path} B m={m} n={n} k={k} acc={acc}");
            }
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
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
