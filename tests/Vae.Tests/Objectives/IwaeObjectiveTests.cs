using Vae.Engine;
using Vae.Model;
using Vae.Objectives;

namespace Vae.Tests.Objectives;

public class IwaeObjectiveTests
{
    // The record printed its EvaluationBound, itself, without end: a stack overflow that killed the process (found
    // when a test case named by TrainOptions carried an IWAE objective).
    [Test]
    public void PrintsWithoutPrintingItselfForEver()
    {
        var options = new Vae.Training.TrainOptions { Objective = new IwaeObjective { Samples = 5 } };
        Assert.That(options.ToString(), Does.Contain("Samples = 5"));
        Assert.That(((IObjective)new IwaeObjective()).EvaluationBound, Is.EqualTo(new IwaeObjective()));
    }

    // A small tanh VAE (20 pixels keep the loss near 10 nats, where float32 central differences are accurate).
    private static (VaeModel Model, Tensor X) Small(ulong seed, int batch = 3)
    {
        var config = new VaeConfig { Input = 20, Hidden = [12, 8], Latent = 3, Activation = Activation.Tanh };
        var model = new VaeModel(config);
        var rng = new Rng(seed, 100);
        model.Initialize(rng);
        var x = new Tensor(batch, 20, name: "x");
        foreach (ref float v in x.Data) v = rng.NextFloat() < 0.4f ? 1f : 0f;
        return (model, x);
    }

    private static IwaeObjective Objective(int k, bool iwae) => new() { Samples = k, Averaged = !iwae };

    private static Tensor Noise(int rows, int cols, Rng rng)
    {
        var eps = new Tensor(rows, cols, name: "eps");
        rng.FillGaussian(eps.Data);
        return eps;
    }

    [TestCase(true, 1)]
    [TestCase(true, 4)]
    [TestCase(false, 4)]
    public void GradientsOfEveryLayerMatchFiniteDifferences(bool iwae, int k)
    {
        var (model, x) = Small(1);
        var eps = Noise(x.Rows * k, 3, new Rng(2, 9));
        var sample = new Rng(3, 101);
        foreach (var t in model.Parameters.Tensors)
        {
            var r = GradCheck.Check(t.Name, tape => Objective(k, iwae).Loss(tape, model, x, eps).Loss, [t], 10, sample);
            Assert.That(r.Passed, $"{(iwae ? "iwae" : "elbo")} K={k} ∂/∂{t.Name}: max abs error {r.MaxAbsError:G3}");
        }
    }

    [Test]
    public void AtOneSampleTheBoundIsTheElboWithASampledKl()
    {
        var (model, x) = Small(4, batch: 5);
        var eps = Noise(5, 3, new Rng(5, 9));
        var tape = new Tape { Threads = 1 };
        var iwae = Objective(1, iwae: true).Loss(tape, model, x, eps);
        // −log w = −log p(x|z) + log q(z|x) − log p(z): exactly the one-sample negative ELBO with the KL sampled.
        Assert.That(iwae.Nats, Is.EqualTo(iwae.Reconstruction + iwae.Kl).Within(1e-4 * Math.Abs(iwae.Nats)));
        var elbo = Objective(1, iwae: false).Loss(new Tape(), model, x, eps);
        Assert.That(iwae.Reconstruction, Is.EqualTo(elbo.Reconstruction).Within(1e-6 * elbo.Reconstruction),
            "same z, same p(x|z)");
        float standard = ElboObjective.Standard.Loss(new Tape(), model, x, eps).Loss.Value;
        Assert.That(elbo.Nats, Is.EqualTo(standard).Within(1e-4), "elbo-k at K=1 is the standard ELBO");
    }

    [Test]
    public void InExpectationTheBoundIsTheElboAtOneSampleAndTightensWithK()
    {
        var (model, x) = Small(6, batch: 8);
        var rng = new Rng(7, 9);
        double Average(int k, bool iwae, int draws)
        {
            double s = 0;
            var tape = Tape.ForInference(1);
            for (int d = 0; d < draws; d++)
            {
                tape.Reset();
                s += Objective(k, iwae).Loss(tape, model, x, Noise(x.Rows * k, 3, rng)).Nats;
            }
            return s / draws;
        }
        double elbo = Average(1, false, 4000), k1 = Average(1, true, 4000);
        double k5 = Average(5, true, 800), k50 = Average(50, true, 80);
        Assert.That(k1, Is.EqualTo(elbo).Within(0.02), "E[IWAE_1] = ELBO");
        Assert.That(k5, Is.LessThan(k1 - 0.02), $"K=5 {k5:F4} vs K=1 {k1:F4}");
        Assert.That(k50, Is.LessThan(k5 - 0.01), $"K=50 {k50:F4} vs K=5 {k5:F4}");
        Assert.That(Average(5, false, 800), Is.EqualTo(elbo).Within(0.02), "the averaged ELBO is still the ELBO");
    }

    [Test]
    public void NegligibleImportanceWeightsGetExactlyZeroGradient()
    {
        // A sample 100 nats below the best has weight e^−100 ≈ 4e-44: a subnormal float that slowed every GEMM of the
        // backward pass 3×. The log-sum-exp backward flushes weights below e^−40 of the largest to 0.
        var logW = Tensor.FromArray([0f, -100f, -39f, -2f], 1, 4, requiresGrad: true);
        var tape = new Tape();
        tape.Backward(tape.Sum(tape.LogSumExpRows(logW)));
        var g = logW.Grad.ToArray();
        Assert.That(g[1], Is.EqualTo(0f));
        float expected = MathF.Exp(-39f) / (1 + MathF.Exp(-39f) + MathF.Exp(-2f));
        Assert.That(g[2], Is.GreaterThan(0f).And.EqualTo(expected).Within(1e-22));
        Assert.That(g.Sum(), Is.EqualTo(1f).Within(1e-6), "softmax weights still sum to 1");
        Assert.That(g.All(v => v == 0 || float.IsNormal(v)), "no subnormal gradient");
    }
}
