using NUnit.Framework;
using Vae.Engine;

namespace Vae.Tests.Engine;

/// <summary>
/// RowParallel promises the same bits at every thread count. Elementwise.Map computes the last Length mod W elements
/// of a range with the scalar op (MathF.Tanh, MathF.Exp), which differs from the vector form in the last bits, so an
/// activation is split in blocks of whole vectors: a cut at a row boundary that is not a multiple of W elements would
/// move elements from one form to the other.
/// </summary>
[TestFixture]
public class ActivationThreadCountTests
{
    private static float[] Activations(int rows, int cols, int threads, Func<Tape, Tensor, Tensor> op)
    {
        var rng = new Rng(5);
        var x = new Tensor(rows, cols, name: "x");
        rng.FillGaussian(x.Data);
        var tape = Tape.ForInference(threads);
        return op(tape, x).Data.ToArray();
    }

    // Rows of 250 and 150: half of 20 or 100 rows is 2,500, 1,500 or 12,500 elements, not a multiple of 8.
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
