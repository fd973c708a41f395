using Vae.Cli;
using Vae.Data;
using Vae.Imaging;
using Vae.Lecture;
using Vae.Model;
using Vae.Nn;
using Vae.Tests.Data;
using Vae.Training;

namespace Vae.Tests.Lecture;

/// <summary>
/// Latent-density resampling (DB-VAE's sampler): the probabilities on synthetic latent codes with a known rare cluster,
/// the effective sample
/// size, weighted draws, the biased training set, and 'vae resampling-weights' / 'vae train --resample-latent' on tiny
/// models.
/// </summary>
public class DebiasTests
{
    private static readonly DebiasOptions Max = new(), Product = new(Combine: DebiasCombine.Product);

    /// <summary>μ (n × 2): common points around (0, 0), the last <paramref name="rare"/> around (4, 4).</summary>
    private static float[] TwoClusters(int n, int rare, ulong seed = 7)
    {
        var rng = new Rng(seed);
        var mu = new float[n * 2];
        for (int i = 0; i < n; i++)
        {
            float centre = i >= n - rare ? 4f : 0f;
            mu[2 * i] = centre + 0.3f * rng.NextGaussian();
            mu[2 * i + 1] = centre + 0.3f * rng.NextGaussian();
        }
        return mu;
    }

    private static double Mean(double[] p, int from, int to) => p[from..to].Average();

    [TestCase(DebiasCombine.Max)]
    [TestCase(DebiasCombine.Product)]
    public void RarePointsGetTheLargerProbabilitiesAndTheySumToOne(DebiasCombine combine)
    {
        const int n = 1000, rare = 30;
        var p = Debias.Probabilities(TwoClusters(n, rare), n, 2, new DebiasOptions(Combine: combine));
        Assert.That(p.Sum(), Is.EqualTo(1).Within(1e-12));
        Assert.That(p, Has.All.GreaterThan(0));
        double common = Mean(p, 0, n - rare), rareMean = Mean(p, n - rare, n);
        Assert.That(rareMean, Is.GreaterThan(5 * common), $"rare {rareMean}, common {common}");
        Assert.That(p[(n - rare)..].Min(), Is.GreaterThan(p[..(n - rare)].Average()));
    }

    [Test]
    public void DimensionWeightsFollowTheInverseSmoothedDensity()
    {
        // One dimension, 2 bins over [0, 1]: three points at 0 and one at 1. Density h = count / (n · width) = 1.5, 0.5;
        // with α = 0.5: s ∝ (2, 1), so 1/s ∝ (1, 2) and the lone point weighs twice each of the others.
        float[] mu = [0, 0, 0, 1];
        var w = Debias.DimensionWeights(mu, 4, 1, 0, bins: 2, alpha: 0.5);
        Assert.That(w, Is.EqualTo(new[] { 0.2, 0.2, 0.2, 0.4 }).Within(1e-12));
        // A dimension that never varies tells nothing: uniform.
        Assert.That(Debias.DimensionWeights([3, 3, 3], 3, 1, 0, 10, 0.001), Is.All.EqualTo(1.0 / 3).Within(1e-15));
    }

    [Test]
    public void MaxAndProductCombineThePerDimensionWeightsAsDefined()
    {
        const int n = 200;
        var mu = TwoClusters(n, 10);
        var w0 = Debias.DimensionWeights(mu, n, 2, 0, 10, 0.001);
        var w1 = Debias.DimensionWeights(mu, n, 2, 1, 10, 0.001);
        var max = Enumerable.Range(0, n).Select(i => Math.Max(w0[i], w1[i])).ToArray();
        var product = Enumerable.Range(0, n).Select(i => w0[i] * w1[i]).ToArray();
        Assert.That(Debias.Probabilities(mu, n, 2, Max), Is.EqualTo(max.Select(v => v / max.Sum())).Within(1e-12));
        Assert.That(Debias.Probabilities(mu, n, 2, Product), Is.EqualTo(product.Select(v => v / product.Sum())).Within(1e-12));
        // The product multiplies the rarity of both coordinates: it concentrates P more than the max does.
        Assert.That(Debias.EffectiveSampleSize(Debias.Probabilities(mu, n, 2, Product)),
            Is.LessThan(Debias.EffectiveSampleSize(Debias.Probabilities(mu, n, 2, Max))));
    }

    [Test]
    public void ProductOfManySmallWeightsDoesNotUnderflow()
    {
        // 60 dimensions of weights near 1/5000: their plain product is 1e-222 or less; in log space P stays exact.
        const int n = 5000, latent = 60;
        var rng = new Rng(3);
        var mu = new float[n * latent];
        rng.FillGaussian(mu);
        var p = Debias.Probabilities(mu, n, latent, Product);
        Assert.That(p, Has.All.GreaterThan(0).And.All.Matches<double>(double.IsFinite));
        Assert.That(p.Sum(), Is.EqualTo(1).Within(1e-9));
    }

    [Test]
    public void LargeAlphaMakesTheProbabilitiesUniform()
    {
        const int n = 500;
        var p = Debias.Probabilities(TwoClusters(n, 20), n, 2, new DebiasOptions(Alpha: 1e9));
        Assert.That(p, Is.All.EqualTo(1.0 / n).Within(1e-9 / n));
        Assert.That(Debias.EffectiveSampleSize(p), Is.EqualTo(n).Within(1e-3));
    }

    [Test]
    public void EffectiveSampleSizeOnKnownCases()
    {
        // (ΣP)²/ΣP²: 1 / (0.25 + 0.0625 + 0.0625) = 8/3; uniform over n gives n; one certain draw gives 1.
        Assert.That(Debias.EffectiveSampleSize([0.5, 0.25, 0.25]), Is.EqualTo(8.0 / 3).Within(1e-12));
        Assert.That(Debias.EffectiveSampleSize(Enumerable.Repeat(0.01, 100).ToArray()), Is.EqualTo(100).Within(1e-9));
        Assert.That(Debias.EffectiveSampleSize([0, 1, 0]), Is.EqualTo(1));
        // Unnormalised weights give the same answer.
        Assert.That(Debias.EffectiveSampleSize([2, 1, 1]), Is.EqualTo(8.0 / 3).Within(1e-12));
    }

    [Test]
    public void MeanByLabel()
    {
        var m = Debias.MeanByLabel([0.1, 0.3, 0.6], [2, 2, 5], classes: 6);
        Assert.That(m[2], Is.EqualTo(0.2).Within(1e-15));
        Assert.That(m[5], Is.EqualTo(0.6));
        Assert.That(double.IsNaN(m[0]));
    }

    [Test]
    public void DrawsAreReproducibleAndFollowTheProbabilities()
    {
        float[] p = [0.1f, 0f, 0.6f, 0.3f];
        var a = new int[20_000];
        var b = new int[20_000];
        var rng = new Rng(9, 1);
        string start = rng.GetState();
        Debias.Draw(p, rng, a);
        rng.SetState(start);
        Debias.Draw(p, rng, b);
        Assert.That(b, Is.EqualTo(a), "same stream state, same draws");
        Assert.That(a, Has.None.EqualTo(1), "a zero probability is never drawn");
        for (int i = 0; i < p.Length; i++)
            Assert.That(a.Count(v => v == i) / (double)a.Length, Is.EqualTo(p[i]).Within(0.015), $"frequency of {i}");
    }

    [Test]
    public void BiasedSubsetKeepsTheGivenFractionOfOneDigitDeterministically()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        int eights = train.Labels.Count(l => l == 8);
        Assert.That(eights, Is.GreaterThan(10), "the slice has enough 8s for the test to mean something");
        var a = Subsets.KeepFractionOf(train, 8, 0.25, seed: 1);
        var b = Subsets.KeepFractionOf(train, 8, 0.25, seed: 1);
        int kept = (int)Math.Round(0.25 * eights, MidpointRounding.AwayFromZero);
        Assert.That(a.Count, Is.EqualTo(train.Count - eights + kept));
        Assert.That(a.Labels.Count(l => l == 8), Is.EqualTo(kept));
        Assert.That(b.Images, Is.EqualTo(a.Images), "same seed, same subset");
        Assert.That(Subsets.KeepFractionOf(train, 8, 0.25, seed: 2).Images, Is.Not.EqualTo(a.Images), "another seed, other 8s");
        // Every other digit is untouched and in order.
        var others = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] != 8).ToArray();
        Assert.That(Subsets.OfLabel(a, 3).Images, Is.EqualTo(Subsets.OfLabel(train, 3).Images));
        Assert.That(a.Labels.Where(l => l != 8), Is.EqualTo(others.Select(i => train.Labels[i])));
        Assert.That(Subsets.KeepFractionOf(train, 8, 0, 1).Labels, Has.None.EqualTo(8));
        Assert.That(Subsets.KeepFractionOf(train, 8, 1, 1).Images, Is.EqualTo(train.Images));
    }

    [Test]
    public void PerLabelEvaluationSplitsTheTestLoss()
    {
        var (train, test) = Mnist.Load(TestPaths.Slice);
        var model = new VaeModel(new VaeConfig { Hidden = [16], Latent = 3 });
        model.Initialize(new Rng(1));
        var per = PerLabelEvaluation.Run(model, test, threads: 1);
        Assert.That(per.Sum(e => e?.Images ?? 0), Is.EqualTo(test.Count));
        // Same weights, and each image's loss does not depend on the others: the image-weighted mean matches
        // the whole-set loss closely (ε differ, so not exactly).
        double weighted = per.Sum(e => e!.Value.Loss * e.Value.Images) / test.Count;
        Assert.That(weighted, Is.EqualTo(Evaluator.Of(model, test, threads: 1).Loss).Within(1.0));
        Assert.That(PerLabelEvaluation.MeanLossExcept(per, 8),
            Is.EqualTo(per.Where((e, c) => c != 8).Sum(e => e!.Value.Loss * e.Value.Images) / per.Where((e, c) => c != 8).Sum(e => e!.Value.Images)).Within(1e-9));
    }

    [Test]
    public void DebiasedTrainingResumedMidEpochFromACheckpointMatchesAnUninterruptedRun()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var config = new VaeConfig { Hidden = [16], Latent = 3 };
        var options = new TrainOptions { BatchSize = 32, Seed = 4, Threads = 1, Debias = new DebiasOptions(Bins: 5) };

        var straightModel = new VaeModel(config);
        var straight = new Trainer(straightModel, options, train.Count);
        straight.RunEpoch(train);
        var epoch2 = straight.RunEpoch(train);

        using var dir = new TempDir();
        var trainer = new Trainer(new VaeModel(config), options, train.Count);
        trainer.RunEpoch(train);
        int steps = 0;
        Assert.That(trainer.RunEpoch(train, () => steps++ >= 3).Completed, Is.False);
        Checkpoint.Save(dir.File("resume.safetensors"), trainer.Model, null, trainer.Optimizer, trainer.Capture());
        var loaded = Checkpoint.Load(dir.File("resume.safetensors"));
        Assert.That(loaded.State!.DebiasProbabilities, Has.Length.EqualTo(train.Count), "P of the epoch's start travels in the checkpoint");
        var resumed = new Trainer(loaded.Model, options, train.Count, loaded.State, loaded.Optimizer).RunEpoch(train);

        Assert.That(resumed.Train.MeanLoss, Is.EqualTo(epoch2.Train.MeanLoss));
        Assert.That(loaded.Model.Parameters.Values.ToArray(), Is.EqualTo(straightModel.Parameters.Values.ToArray()));
    }

    [Test]
    public void DebiasedEpochsDrawOtherOrdersThanShuffledOnes()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var config = new VaeConfig { Hidden = [16], Latent = 3 };
        double Loss(DebiasOptions? d) =>
            new Trainer(new VaeModel(config), new TrainOptions { BatchSize = 32, Seed = 4, Threads = 1, Debias = d }, train.Count)
                .RunEpoch(train).Train.MeanLoss;
        Assert.That(Loss(new DebiasOptions()), Is.Not.EqualTo(Loss(null)));
    }

    [Test]
    public void DebiasCommandWritesWeightsAndPicture()
    {
        using var dir = new TempDir();
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var model = new VaeModel(new VaeConfig { Hidden = [16], Latent = 3 });
        new Trainer(model, new TrainOptions { Epochs = 1, BatchSize = 50, Threads = 1 }, train.Count).RunEpoch(train);
        string checkpoint = dir.File("tiny.safetensors");
        Checkpoint.Save(checkpoint, model);

        string outDir = dir.File("debias");
        int rc = Dispatcher.Run(["resampling-weights", "--checkpoint", checkpoint, "--data", TestPaths.Slice, "--out", outDir,
            "--bins", "5", "--combine", "product", "--threads", "1"]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        var lines = File.ReadAllLines(Path.Combine(outDir, "weights.csv"));
        Assert.That(lines[0], Is.EqualTo("index,label,probability"));
        Assert.That(lines, Has.Length.EqualTo(train.Count + 1));
        var p = lines.Skip(1).Select(l => double.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.That(p.Sum(), Is.EqualTo(1).Within(1e-9));
        Assert.That(lines.Skip(1).Select(l => int.Parse(l.Split(',')[1])), Is.EqualTo(train.Labels.Select(b => (int)b)));
        var png = Png.Decode(File.ReadAllBytes(Path.Combine(outDir, "debias.png")));
        Assert.That(png.Width, Is.GreaterThan(2 * (8 * 28 + 9 * 2)));
        Assert.That(png.Height, Is.GreaterThan(8 * 28 + 9 * 2));
    }

    private static string[][] MetricsLosses(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, "metrics.csv")).Skip(1).Select(l => l.Split(',')[..7]).ToArray();

    [Test]
    public void TrainWithDebiasIsDeterministicAndResumes()
    {
        using var dir = new TempDir();
        string[] Args(string outDir, string epochs) =>
            ["train", "--data", TestPaths.Slice, "--out", outDir, "--epochs", epochs, "--hidden", "16", "--latent", "3",
             "--batch-size", "50", "--threads", "1", "--resample-latent", "--resample-bins", "6", "--bias-digit", "8", "--bias-keep", "0.2"];
        Assert.That(Dispatcher.Run(Args(dir.File("a"), "2")), Is.EqualTo(ExitCodes.Ok));
        Assert.That(Dispatcher.Run(Args(dir.File("b"), "2")), Is.EqualTo(ExitCodes.Ok));
        var a = MetricsLosses(dir.File("a"));
        Assert.That(a, Has.Length.EqualTo(2));
        Assert.That(MetricsLosses(dir.File("b")), Is.EqualTo(a), "two runs with one seed: identical loss columns");

        // One epoch, then --resume to two: the options come back from the checkpoint and the run is the same.
        Assert.That(Dispatcher.Run(Args(dir.File("c"), "1")), Is.EqualTo(ExitCodes.Ok));
        Assert.That(Dispatcher.Run(["train", "--data", TestPaths.Slice, "--out", dir.File("c"), "--epochs", "2", "--resume",
            "--threads", "1"]), Is.EqualTo(ExitCodes.Ok));
        Assert.That(MetricsLosses(dir.File("c")), Is.EqualTo(a));
        // The options cannot be changed on resume.
        Assert.That(Dispatcher.Run(["train", "--data", TestPaths.Slice, "--out", dir.File("c"), "--epochs", "3", "--resume",
            "--resample-latent"]), Is.EqualTo(ExitCodes.BadInput));
    }
}
