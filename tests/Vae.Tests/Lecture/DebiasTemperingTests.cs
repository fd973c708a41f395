using Vae.Engine;

namespace Vae.Tests.Lecture;

/// <summary>The tempered and capped resampling weights that DB-VAE's detector needs (DebiasOptions.Power and
/// Cap).</summary>
public class DebiasTemperingTests
{
    /// <summary>μ (n × 3): common points around 0, the last <paramref name="rare"/> around 4 in every
    /// dimension.</summary>
    private static float[] Codes(int n, int rare)
    {
        var rng = new Rng(11);
        var mu = new float[n * 3];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 3; j++) mu[3 * i + j] = (i >= n - rare ? 4f : 0f) + 0.3f * rng.NextGaussian();
        return mu;
    }

    private static double RareShare(double[] p, int rare) => p.TakeLast(rare).Sum();

    [Test]
    public void PowerZeroIsUniformAndPowerOneOfMaxIsUnchanged()
    {
        var mu = Codes(500, 10);
        var flat = Debias.Probabilities(mu, 500, 3, new DebiasOptions(Combine: DebiasCombine.Product, Power: 0));
        Assert.That(flat, Is.All.EqualTo(1.0 / 500).Within(1e-15));
        var plain = Debias.Probabilities(mu, 500, 3, new DebiasOptions());
        var explicitOne = Debias.Probabilities(mu, 500, 3, new DebiasOptions(Power: 1, Cap: double.PositiveInfinity));
        Assert.That(explicitOne, Is.EqualTo(plain));
    }

    [Test]
    public void TemperingMovesTheRareShareMonotonically()
    {
        var mu = Codes(500, 10);
        double[] shares = new double[] { 0, 0.25, 0.5, 1 }.Select(t =>
            RareShare(Debias.Probabilities(mu, 500, 3, new DebiasOptions(Combine: DebiasCombine.Product, Power: t)), 10)).ToArray();
        Assert.That(shares[0], Is.EqualTo(10 / 500.0).Within(1e-12));
        Assert.That(shares, Is.Ordered.Ascending);
        Assert.That(shares[^1], Is.GreaterThan(0.9), "the untempered product puts nearly all mass on the rare cluster");
    }

    [Test]
    public void TheCapBoundsEveryProbabilityAndKeepsTheSum()
    {
        var mu = Codes(500, 10);
        var p = Debias.Probabilities(mu, 500, 3, new DebiasOptions(Combine: DebiasCombine.Product, Cap: 20));
        Assert.That(p.Sum(), Is.EqualTo(1).Within(1e-12));
        Assert.That(p.Max(), Is.LessThanOrEqualTo(20.0 / 500 * (1 + 1e-9)));
        Assert.That(RareShare(p, 10), Is.EqualTo(10 * 20.0 / 500).Within(1e-6), "every rare point sits at the cap");
    }

    [Test]
    public void CapAtLeavesAnAlreadyLowDistributionAlone()
    {
        double[] p = [0.25, 0.25, 0.25, 0.25];
        Debias.CapAt(p, 0.5);
        Assert.That(p, Is.All.EqualTo(0.25));
        double[] q = [0.7, 0.1, 0.1, 0.1];
        Debias.CapAt(q, 0.4);
        Assert.That(q[0], Is.EqualTo(0.4).Within(1e-12));
        Assert.That(q[1..], Is.All.EqualTo(0.2).Within(1e-12), "the excess goes to the rest in proportion");
    }
}
