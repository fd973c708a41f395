using Vae.Engine;

namespace Vae.Tests.Engine;

/// <summary>Losses at extreme inputs: finite, and equal to their closed forms.</summary>
public class StabilityTests
{
    [Test]
    public void BceWithLogitsAtExtremeLogitsAndHardTargets()
    {
        // Closed forms: ℓ(l, 1) = softplus(−l), ℓ(l, 0) = softplus(l). At |l| = 100: ℓ = 100 or e^−100 ≈ 3.7e−44 (≈ 0).
        float[] logits = [100f, -100f, 100f, -100f, 0f, 0f];
        float[] targets = [1f, 0f, 0f, 1f, 0f, 1f];
        float[] expected = [0f, 0f, 100f, 100f, MathF.Log(2f), MathF.Log(2f)];
        for (int i = 0; i < logits.Length; i++)
        {
            var l = Tensor.FromArray([logits[i]], 1, 1, requiresGrad: true);
            var t = Tensor.FromArray([targets[i]], 1, 1);
            var tape = new Tape();
            var loss = tape.Sum(tape.BceWithLogits(l, t));
            tape.Backward(loss);
            Assert.That(float.IsFinite(loss.Value), $"loss at l={logits[i]}, t={targets[i]}");
            Assert.That(loss.Value, Is.EqualTo(expected[i]).Within(1e-5), $"l={logits[i]}, t={targets[i]}");
            // d/dl = σ(l) − t: exactly 0 or ±1 at the extremes.
            float sigma = 1f / (1f + MathF.Exp(-logits[i]));
            Assert.That(l.Grad[0], Is.EqualTo(sigma - targets[i]).Within(1e-6));
        }
    }

    [Test]
    public void BceWithLogitsVectorPathMatchesScalarOnLongRows()
    {
        // A row long enough for the vector loop, with extreme values in every lane.
        int n = 37;
        var l = new Tensor(1, n, requiresGrad: true);
        var t = new Tensor(1, n);
        double expected = 0;
        for (int i = 0; i < n; i++)
        {
            float li = (i % 4) switch { 0 => 100f, 1 => -100f, 2 => 30f * MathF.Sin(i), _ => 0.5f };
            float ti = (i % 3) switch { 0 => 0f, 1 => 1f, _ => 0.3f };
            l.Data[i] = li; t.Data[i] = ti;
            expected += Math.Max(li, 0) - li * ti + Math.Log(1 + Math.Exp(-Math.Abs(li)));
        }
        var tape = new Tape();
        var loss = tape.Sum(tape.BceWithLogits(l, t));
        tape.Backward(loss);
        Assert.That(loss.Value, Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected)));
        foreach (float g in l.Grad) Assert.That(float.IsFinite(g));
    }

    [Test]
    public void KlAtExtremeInputs()
    {
        // KL = ½ Σ (μ² + e^lv − 1 − lv). Closed forms per dimension:
        //   μ = 0, lv = 0 → 0;  μ = 10, lv = 0 → 50;  μ = 0, lv = −30 → ½(e^−30 − 1 + 30) ≈ 14.5;
        //   μ = 0, lv = 20 → ½(e^20 − 21) ≈ 2.4258e8 (finite).
        float[] mu = [0f, 10f, 0f, 0f];
        float[] lv = [0f, 0f, -30f, 20f];
        double[] expected = [0, 50, 0.5 * (Math.Exp(-30) + 29), 0.5 * (Math.Exp(20) - 21)];
        for (int i = 0; i < mu.Length; i++)
        {
            var m = Tensor.FromArray([mu[i]], 1, 1, requiresGrad: true);
            var v = Tensor.FromArray([lv[i]], 1, 1, requiresGrad: true);
            var tape = new Tape();
            var kl = tape.Sum(tape.KlStandardNormal(m, v));
            tape.Backward(kl);
            Assert.That(float.IsFinite(kl.Value));
            Assert.That(kl.Value, Is.EqualTo(expected[i]).Within(1e-5 * Math.Max(1, expected[i])));
            Assert.That(m.Grad[0], Is.EqualTo(mu[i]));
            Assert.That(v.Grad[0], Is.EqualTo(0.5 * (Math.Exp(lv[i]) - 1)).Within(1e-5 * Math.Max(1, Math.Exp(lv[i]))));
        }
    }

    [Test]
    public void LogSumExpDoesNotOverflow()
    {
        var x = Tensor.FromArray([1000f, 1000f, -1000f], 1, 3, requiresGrad: true);
        var tape = new Tape();
        var y = tape.Sum(tape.LogSumExpRows(x));
        tape.Backward(y);
        Assert.That(y.Value, Is.EqualTo(1000f + MathF.Log(2f)).Within(1e-3));
        Assert.That(x.Grad.ToArray(), Is.EqualTo(new[] { 0.5f, 0.5f, 0f }).Within(1e-6));
    }

    [Test]
    public void SigmoidAndSoftplusSaturateCleanly()
    {
        var x = Tensor.FromArray([-200f, -50f, 0f, 50f, 200f, -200f, -50f, 0f, 50f, 200f], 1, 10, requiresGrad: true);
        var tape = new Tape();
        var s = tape.Sigmoid(x);
        var sp = tape.Softplus(x);
        Assert.That(s.Data.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0.5f, 1f, 1f, 0f, 0f, 0.5f, 1f, 1f }).Within(1e-7));
        Assert.That(sp.Data[4], Is.EqualTo(200f));
        Assert.That(sp.Data[0], Is.EqualTo(0f).Within(1e-30));
    }
}
