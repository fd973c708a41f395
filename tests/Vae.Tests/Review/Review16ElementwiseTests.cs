using NUnit.Framework;
using Vae.Engine;

namespace Vae.Tests.Review;

/// <summary>
/// RowParallel promises the same bits at every thread count, but Elementwise.Map computes the last Length mod W
/// elements of each range with the scalar op (MathF.Tanh / MathF.Exp) and the rest with the vector form, which differ
/// in the last bits. A range boundary that is not a multiple of W elements moves elements from one to the other.
/// Since b63fe12 the exp-based ops split at 2,048 elements instead of 16,384.
/// </summary>
[TestFixture]
public class Review16ElementwiseTests
{
    private static float[] Activations(int rows, int cols, int threads, Func<Tape, Tensor, Tensor> op)
    {
        var rng = new Rng(5);
        var x = new Tensor(rows, cols, name: "x");
        rng.FillGaussian(x.Data);
        var tape = Tape.ForInference(threads);
        return op(tape, x).Data.ToArray();
    }

    // 20×250 (5,000 elements): inline before b63fe12, split into 2×2,500 after (2,500 mod 8 = 4).
    // 100×250 (25,000): split before too (12,500 mod 8 = 4): the underlying cause predates the change.
    [TestCase(20, 250), TestCase(20, 150), TestCase(100, 250)]
    public void ExpBasedActivationsGiveTheSameBitsAtEveryThreadCount(int rows, int cols)
    {
        var failures = new List<string>();
        foreach (var (name, op) in new (string, Func<Tape, Tensor, Tensor>)[]
                 {
                     ("tanh", (t, x) => t.Tanh(x)), ("sigmoid", (t, x) => t.Sigmoid(x)), ("exp", (t, x) => t.Exp(x)),
                     ("softplus", (t, x) => t.Softplus(x)),
                 })
        {
            var one = Activations(rows, cols, 1, op);
            foreach (int threads in new[] { 2, 3 })
            {
                var many = Activations(rows, cols, threads, op);
                int diff = Enumerable.Range(0, one.Length).Count(i => !one[i].Equals(many[i]));
                if (diff > 0)
                {
                    int i = Enumerable.Range(0, one.Length).First(i => !one[i].Equals(many[i]));
                    failures.Add($"{name} {rows}x{cols} threads {threads}: {diff} elements differ, first " +
                        $"[{i / cols},{i % cols}] {many[i]:R} vs {one[i]:R} at 1 thread");
                }
            }
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
