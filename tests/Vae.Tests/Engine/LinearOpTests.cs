using Vae.Engine;

namespace Vae.Tests.Engine;

/// <summary>The fused dense layer against the two ops it replaces.</summary>
public class LinearOpTests
{
    private static Tensor Rand(int rows, int cols, ulong seed, bool grad = true)
    {
        var t = new Tensor(rows, cols, grad);
        var rng = new Rng(seed);
        foreach (ref float v in t.Data) v = rng.NextUniform(-1, 1);
        return t;
    }

    [TestCase(20, 784, 200, 1)]
    [TestCase(20, 200, 50, 2)]
    [TestCase(7, 13, 9, 2)]
    public void LinearEqualsMatMulThenAddBiasBitForBit(int batch, int inputs, int outputs, int threads)
    {
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(bool fused)
        {
            var x = Rand(batch, inputs, 1);
            var w = Rand(outputs, inputs, 2);
            var b = Rand(1, outputs, 3);
            var weights = Rand(batch, outputs, 4, grad: false);
            var tape = new Tape { Threads = threads };
            var y = fused ? tape.Linear(x, w, b) : tape.AddBias(tape.MatMul(x, w, transB: true), b);
            var values = y.Data.ToArray();
            tape.Backward(tape.Sum(tape.Multiply(tape.Tanh(y), weights)));
            return (values, x.Grad.ToArray(), w.Grad.ToArray(), b.Grad.ToArray());
        }

        var (fused, plain) = (Run(true), Run(false));
        Assert.That(fused.Y, Is.EqualTo(plain.Y), "y");
        Assert.That(fused.Dx, Is.EqualTo(plain.Dx), "dx");
        Assert.That(fused.Dw, Is.EqualTo(plain.Dw), "dW");
        Assert.That(fused.Db, Is.EqualTo(plain.Db), "db");
    }

    [Test]
    public void MismatchedShapesAreRefused()
    {
        var tape = new Tape();
        Assert.That(() => tape.Linear(Rand(2, 3, 1), Rand(4, 5, 2), Rand(1, 4, 3)), Throws.ArgumentException);
        Assert.That(() => tape.Linear(Rand(2, 3, 1), Rand(4, 3, 2), Rand(1, 3, 3)), Throws.ArgumentException);
    }
}
