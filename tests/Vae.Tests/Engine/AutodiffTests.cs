using Vae.Engine;

namespace Vae.Tests.Engine;

public class AutodiffTests
{
    [Test]
    public void ValueUsedTwiceGetsBothContributions()
    {
        // f(a) = Σ (a + a) · a = Σ 2a², so df/da = 4a.
        var a = Tensor.FromArray([1.5f, -2f, 0.25f], 1, 3, requiresGrad: true);
        var tape = new Tape();
        var loss = tape.Sum(tape.Multiply(tape.Add(a, a), a));
        tape.Backward(loss);
        Assert.That(loss.Value, Is.EqualTo(2 * (1.5f * 1.5f + 4f + 0.0625f)).Within(1e-5));
        Assert.That(a.Grad.ToArray(), Is.EqualTo(new[] { 6f, -8f, 1f }).Within(1e-5));
    }

    [Test]
    public void HandWorkedScalarExpression()
    {
        // f(x, y) = log(1 + e^(x·y)) + tanh(x) − 3y at x = 0.5, y = −1.2, worked by hand:
        //   x·y = −0.6;  softplus(−0.6) = ln(1 + e^−0.6) = 0.437488;  tanh(0.5) = 0.462117
        //   f = 0.437488 + 0.462117 + 3.6 = 4.499605
        //   σ(−0.6) = 0.354344;  ∂f/∂x = σ(xy)·y + (1 − tanh²x) = −0.425213 + 0.786448 = 0.361235
        //   ∂f/∂y = σ(xy)·x − 3 = 0.177172 − 3 = −2.822828
        var x = Tensor.FromArray([0.5f], 1, 1, true, "x");
        var y = Tensor.FromArray([-1.2f], 1, 1, true, "y");
        var tape = new Tape();
        var f = tape.Subtract(tape.Add(tape.Softplus(tape.Multiply(x, y)), tape.Tanh(x)), tape.Scale(y, 3f));
        tape.Backward(f);
        Assert.That(f.Value, Is.EqualTo(4.499605f).Within(2e-6));
        Assert.That(x.Grad[0], Is.EqualTo(0.361235f).Within(2e-6));
        Assert.That(y.Grad[0], Is.EqualTo(-2.822828f).Within(2e-6));
    }

    [Test]
    public void LeafGradientsAccumulateUntilZeroed()
    {
        var x = Tensor.FromArray([2f, 3f], 1, 2, requiresGrad: true);
        var tape = new Tape();
        for (int step = 0; step < 2; step++)
        {
            tape.Reset();
            tape.Backward(tape.Sum(tape.Scale(x, 5f)));
        }
        Assert.That(x.Grad.ToArray(), Is.EqualTo(new[] { 10f, 10f }));
        x.ZeroGrad();
        tape.Reset();
        tape.Backward(tape.Sum(tape.Scale(x, 5f)));
        Assert.That(x.Grad.ToArray(), Is.EqualTo(new[] { 5f, 5f }));
    }

    [Test]
    public void IntermediateGradientsAreFreshEachBackward()
    {
        // The tape reuses its output tensors; a second Backward must not see the first one's gradients.
        var x = Tensor.FromArray([1f, -1f], 1, 2, requiresGrad: true);
        var tape = new Tape();
        tape.Backward(tape.Sum(tape.Exp(x)));
        var first = x.Grad.ToArray();
        x.ZeroGrad();
        tape.Reset();
        tape.Backward(tape.Sum(tape.Exp(x)));
        Assert.That(x.Grad.ToArray(), Is.EqualTo(first));
    }

    [Test]
    public void ABackwardThatThrowsLeavesNoStaleGradientsForTheNext()
    {
        // Backward clears each output's gradient right after using it; one that stops half-way leaves some set, and
        // the next Backward must clear them first. The middle op here fails once, after writing into dh.
        var x = Tensor.FromArray([1f, -2f, 3f], 1, 3, requiresGrad: true);
        var tape = new Tape();
        bool fail = true;
        BackwardFn<NoParams> doubleOnce = node =>
        {
            for (int i = 0; i < node.A!.Length; i++) node.A.Grad[i] += 2f * node.Out.Grad[i];
            if (fail) throw new InvalidOperationException("test failure");
        };
        Tensor Step()
        {
            tape.Reset();
            var h = tape.Exp(x);
            var node = tape.Record(OpKind.Scale, doubleOnce, h.Rows, h.Cols, h);
            for (int i = 0; i < h.Length; i++) node.Out.Data[i] = 2f * h.Data[i];
            return tape.Sum(node.Out);
        }
        Assert.Throws<InvalidOperationException>(() => tape.Backward(Step()));
        fail = false;
        x.ZeroGrad();
        tape.Backward(Step());
        float[] expected = [2 * MathF.Exp(1f), 2 * MathF.Exp(-2f), 2 * MathF.Exp(3f)];
        Assert.That(x.Grad.ToArray(), Is.EqualTo(expected).Within(1e-4));
    }

    [Test]
    public void RowParallelOpsGiveTheSameBitsAtEveryThreadCount()
    {
        // 128×300 activations (above the size where elementwise ops split over threads): a step on 1, 2 and 3
        // threads must give identical parameters, gradients included (GEMM and the row ops never split a sum).
        float[] Train(int threads)
        {
            var ps = new Vae.Nn.ParameterSet();
            var l1 = new Vae.Nn.Linear(ps, "fc1", 200, 300);
            var l2 = new Vae.Nn.Linear(ps, "fc2", 300, 200);
            ps.Allocate();
            var rng = new Rng(3);
            l1.Initialize(rng); l2.Initialize(rng);
            var adam = new Vae.Nn.Adam(ps.Count) { Threads = threads };
            var x = new Tensor(128, 200, name: "x");
            rng.FillGaussian(x.Data);
            var target = new Tensor(128, 200, name: "t");
            for (int i = 0; i < target.Length; i++) target.Data[i] = rng.NextUniform(0f, 1f);
            var tape = new Tape { Threads = threads };
            for (int step = 0; step < 3; step++)
            {
                tape.Reset();
                var logits = l2.Forward(tape, tape.Relu(l1.Forward(tape, x)));
                tape.Backward(tape.Mean(tape.BceWithLogits(logits, target)));
                adam.Update(ps.Values, ps.Grads);
            }
            return ps.Values.ToArray();
        }
        var one = Train(1);
        Assert.That(Train(2), Is.EqualTo(one).AsCollection, "2 threads");
        Assert.That(Train(3), Is.EqualTo(one).AsCollection, "3 threads");
    }

    [Test]
    public void InputsWithoutGradientAreLeftAlone()
    {
        var x = Tensor.FromArray([1f, 2f], 1, 2, requiresGrad: false);
        var w = Tensor.FromArray([3f, 4f], 1, 2, requiresGrad: true);
        var tape = new Tape();
        tape.Backward(tape.Sum(tape.Multiply(x, w)));
        Assert.That(x.RequiresGrad, Is.False);
        Assert.That(w.Grad.ToArray(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void BackwardRejectsNonScalarOrConstantLoss()
    {
        var tape = new Tape();
        var x = new Tensor(2, 2, requiresGrad: true);
        Assert.Throws<ArgumentException>(() => tape.Backward(tape.Exp(x)));
        var c = new Tensor(1, 1);
        Assert.Throws<ArgumentException>(() => tape.Backward(tape.Sum(c)));
    }

    [Test]
    public void ShapeMismatchesAreReported()
    {
        var tape = new Tape();
        var ex = Assert.Throws<ArgumentException>(() => tape.MatMul(new Tensor(2, 3), new Tensor(4, 5)));
        Assert.That(ex!.Message, Does.Contain("inner sizes"));
        Assert.Throws<ArgumentException>(() => tape.Add(new Tensor(2, 3), new Tensor(3, 2)));
        Assert.Throws<ArgumentException>(() => tape.AddBias(new Tensor(2, 3), new Tensor(1, 2)));
    }

    [Test]
    public void TapeRecordsOpsInOrder()
    {
        var tape = new Tape();
        var x = new Tensor(2, 3, true, "x");
        tape.Sum(tape.Relu(tape.Scale(x, 2f)));
        Assert.That(tape.Nodes.Select(n => n.Kind), Is.EqualTo(new[] { OpKind.Scale, OpKind.Relu, OpKind.Sum }));
        tape.Reset();
        Assert.That(tape.Count, Is.Zero);
    }
}
