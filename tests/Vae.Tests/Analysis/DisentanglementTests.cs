using Vae.Analysis;
using Vae.Engine;

namespace Vae.Tests.Analysis;

public class DisentanglementTests
{
    private static readonly string[] Names = ["a", "b", "c"];
    private static readonly int[] Counts = [3, 8, 10];
    private const int N = 4000, Latent = 5;

    /// <summary>Codes where dimension k is factor k (standardised, plus a little noise) and dims 3, 4 are
    /// noise.</summary>
    private static (float[] Codes, int[] Levels) PerfectCode(ulong seed = 1)
    {
        var rng = new Rng(seed);
        var levels = new int[N * 3];
        var codes = new float[N * Latent];
        for (int i = 0; i < N; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                levels[i * 3 + k] = rng.NextInt(Counts[k]);
                codes[i * Latent + k] = (levels[i * 3 + k] - (Counts[k] - 1) / 2f) / Counts[k] * 3.4f
                    + 0.01f * rng.NextGaussian();
            }
            codes[i * Latent + 3] = rng.NextGaussian();
            codes[i * Latent + 4] = rng.NextGaussian();
        }
        return (codes, levels);
    }

    /// <summary>The code times a fixed random orthogonal matrix (Gram–Schmidt on Gaussian columns).</summary>
    private static float[] Rotate(float[] codes)
    {
        var rng = new Rng(99);
        var q = new double[Latent, Latent];
        for (int c = 0; c < Latent; c++)
        {
            for (int r = 0; r < Latent; r++) q[r, c] = rng.NextGaussian();
            for (int p = 0; p < c; p++)
            {
                double dot = 0;
                for (int r = 0; r < Latent; r++) dot += q[r, c] * q[r, p];
                for (int r = 0; r < Latent; r++) q[r, c] -= dot * q[r, p];
            }
            double norm = Math.Sqrt(Enumerable.Range(0, Latent).Sum(r => q[r, c] * q[r, c]));
            for (int r = 0; r < Latent; r++) q[r, c] /= norm;
        }
        var result = new float[codes.Length];
        for (int i = 0; i < codes.Length / Latent; i++)
            for (int c = 0; c < Latent; c++)
            {
                double s = 0;
                for (int r = 0; r < Latent; r++) s += codes[i * Latent + r] * q[r, c];
                result[i * Latent + c] = (float)s;
            }
        return result;
    }

    private static FactorVaeResult FactorVae(float[] codes, int[] levels) =>
        Disentanglement.FactorVae(codes, Latent, levels, Counts, new Rng(3), trainVotes: 2000, evalVotes: 1000);

    [Test]
    public void PerfectCodeScoresNearOneAndNamesTheRightDimensions()
    {
        var (codes, levels) = PerfectCode();
        var mig = Disentanglement.Mig(codes, Latent, levels, Names, Counts);
        Assert.That(mig.Mean, Is.GreaterThan(0.9));
        for (int k = 0; k < 3; k++)
        {
            Assert.That(mig.Factors[k].BestDim, Is.EqualTo(k));
            Assert.That(mig.Factors[k].NormalizedMi, Is.GreaterThan(0.95));
        }
        var fv = FactorVae(codes, levels);
        Assert.That(fv.Accuracy, Is.GreaterThan(0.98));
    }

    [Test]
    public void RandomRotationOfThePerfectCodeScoresMuchLower()
    {
        var (codes, levels) = PerfectCode();
        var rotated = Rotate(codes);
        double perfect = Disentanglement.Mig(codes, Latent, levels, Names, Counts).Mean;
        double mixed = Disentanglement.Mig(rotated, Latent, levels, Names, Counts).Mean;
        Assert.That(mixed, Is.LessThan(0.5 * perfect));
        double fvPerfect = FactorVae(codes, levels).Accuracy;
        double fvMixed = FactorVae(rotated, levels).Accuracy;
        Assert.That(fvMixed, Is.LessThan(fvPerfect - 0.15));
        TestContext.Out.WriteLine($"MIG {perfect:F3} → {mixed:F3}; FactorVAE {fvPerfect:F3} → {fvMixed:F3}");
    }

    [Test]
    public void CodeIndependentOfTheFactorsScoresNearZero()
    {
        var (_, levels) = PerfectCode();
        var rng = new Rng(5);
        var noise = new float[N * Latent];
        rng.FillGaussian(noise);
        var mig = Disentanglement.Mig(noise, Latent, levels, Names, Counts);
        Assert.That(mig.Mean, Is.LessThan(0.03));
        var fv = FactorVae(noise, levels);
        Assert.That(fv.Accuracy, Is.LessThan(0.5));   // chance is 1/3 plus what a 5-dim majority vote can fit
    }

    [Test]
    public void OneFactorSharedByTwoDimensionsHasNoGap()
    {
        var (codes, levels) = PerfectCode();
        for (int i = 0; i < N; i++) codes[i * Latent + 3] = codes[i * Latent + 1];   // dim 3 copies factor b
        var mig = Disentanglement.Mig(codes, Latent, levels, Names, Counts);
        Assert.That(mig.Factors[1].NormalizedMi, Is.GreaterThan(0.95));
        Assert.That(mig.Factors[1].Mig, Is.LessThan(0.01));
        Assert.That(mig.Factors[0].Mig, Is.GreaterThan(0.9));
    }

    [Test]
    public void InformationMeasuresMatchHandComputedValues()
    {
        int[] a = [0, 0, 1, 1], b = [0, 0, 1, 1], c = [0, 1, 0, 1];
        Assert.That(Disentanglement.Entropy(a, 2), Is.EqualTo(Math.Log(2)).Within(1e-12));
        Assert.That(Disentanglement.MutualInformation(a, 2, b, 2), Is.EqualTo(Math.Log(2)).Within(1e-12));
        Assert.That(Disentanglement.MutualInformation(a, 2, c, 2), Is.EqualTo(0).Within(1e-12));
        Assert.That(Disentanglement.Discretize([0f, 0.5f, 1f, 0.26f], 1, 4), Is.EqualTo(new[] { 0, 2, 3, 1 }));
    }
}
