using System.Globalization;
using Vae.Cli;
using Vae.Cli.Commands;
using Vae.Data;
using Vae.Engine;
using Vae.Lecture;
using Vae.Model;
using Vae.Nn;
using Vae.Objectives;
using Vae.Tests.Data;
using Vae.Training;

namespace Vae.Tests.Lecture;

/// <summary>
/// β-VAE and disentanglement: the KL warm-up and capacity schedules, the capacity loss and its gradient, the
/// per-dimension KL and active units written by 'vae train', and a resumed run continuing its schedule exactly.
/// </summary>
public class BetaVaeTests
{
    private static readonly string[] Tiny = ["--data", "", "--hidden", "16", "--latent", "3", "--batch-size", "50", "--threads", "1"];

    private static string[] TrainArgs(string outDir, int epochs, params string[] extra) =>
        [.. Tiny.Select(a => a == "" ? TestPaths.Slice : a), "--out", outDir, "--epochs", epochs.ToString(CultureInfo.InvariantCulture), .. extra];

    [Test]
    public void WarmupRampsBetaLinearlyPerStep()
    {
        var o = new ElboObjective { Beta = 4f, WarmupEpochs = 2 };
        static StepContext At(long t) => new(t, 10);   // 10 batches per epoch: the ramp is 20 steps long.
        Assert.That(o.BetaAt(At(0)), Is.EqualTo(0f));
        Assert.That(o.BetaAt(At(5)), Is.EqualTo(1f));
        Assert.That(o.BetaAt(At(10)), Is.EqualTo(2f));
        Assert.That(o.BetaAt(At(20)), Is.EqualTo(4f));
        Assert.That(o.BetaAt(At(1000)), Is.EqualTo(4f));
        Assert.That((o with { WarmupEpochs = 0.5 }).BetaAt(At(4)), Is.EqualTo(3.2f).Within(1e-6f), "fractional epochs");
        Assert.That((o with { WarmupEpochs = 0 }).BetaAt(At(0)), Is.EqualTo(4f), "no warm-up");
        Assert.That(o.CapacityAt(At(3)), Is.EqualTo(0f), "no capacity target");
    }

    [Test]
    public void CapacityRisesLinearlyOverItsSteps()
    {
        var o = new ElboObjective { Capacity = 25f, CapacityIters = 1000, Gamma = 100f, Beta = 4f, WarmupEpochs = 3 };
        static StepContext At(long t) => new(t, 10);
        Assert.That(o.CapacityAt(At(0)), Is.EqualTo(0f));
        Assert.That(o.CapacityAt(At(400)), Is.EqualTo(10f).Within(1e-5f));
        Assert.That(o.CapacityAt(At(1000)), Is.EqualTo(25f));
        Assert.That(o.CapacityAt(At(5000)), Is.EqualTo(25f));
        Assert.That((o with { CapacityIters = 0 }).CapacityAt(At(0)), Is.EqualTo(25f), "no ramp");
    }

    /// <summary>An objective that records the β its inner ELBO used at each step (a plug-in of the trainer).</summary>
    private sealed class RecordingObjective(ElboObjective inner) : IObjective
    {
        public List<float> Betas { get; } = [];
        public string Name => inner.Name;
        public int SamplesPerImage => inner.SamplesPerImage;
        public StepLoss Loss(Tape tape, VaeModel model, Vae.Objectives.Batch batch, StepContext step)
        {
            Betas.Add(inner.BetaAt(step));
            return inner.Loss(tape, model, batch, step);
        }
        public void Validate(VaeConfig model) => inner.Validate(model);
        public string Describe() => inner.Describe();
        public Dictionary<string, string> ToMetadata() => inner.ToMetadata();
    }

    [Test]
    public void TrainerGivesTheObjectiveTheStepsDone()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var objective = new RecordingObjective(new ElboObjective { Beta = 2f, WarmupEpochs = 1 });
        var options = new TrainOptions { BatchSize = 50, Objective = objective, Threads = 1 };
        var trainer = new Trainer(new VaeModel(new VaeConfig { Hidden = [16], Latent = 3 }), options, train.Count);
        trainer.RunEpoch(train);
        trainer.RunEpoch(train);
        // 300 images / 50 = 6 batches per epoch: β = 2·t/6 for t = 0..5, then 2.
        Assert.That(objective.Betas,
            Is.EqualTo(new[] { 0f, 2f / 6, 4f / 6, 1f, 8f / 6, 10f / 6, 2f, 2f, 2f, 2f, 2f, 2f }).Within(1e-6f));
    }

    /// <summary>A small model, one batch of real digits and fixed ε.</summary>
    private static (VaeModel Model, Tensor X, Tensor Eps) Batch()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var model = new VaeModel(new VaeConfig { Hidden = [16], Latent = 3 });
        model.Initialize(new Rng(7));
        var x = new Tensor(20, 784);
        train.FillBatch(Enumerable.Range(0, 20).ToArray(), x.Data);
        var eps = new Tensor(20, 3);
        new Rng(8).FillGaussian(eps.Data);
        return (model, x, eps);
    }

    /// <summary>The capacity objective with its target reached (no ramp): recon + γ·|KL − C|.</summary>
    private static ElboObjective Capacity(float c, float gamma) => new() { Capacity = c, Gamma = gamma };

    private static float[] Gradient(VaeModel model, Tensor x, Tensor eps, ElboObjective objective)
    {
        var tape = new Tape { Threads = 1 };
        model.Parameters.ZeroGrad();
        tape.Backward(objective.Loss(tape, model, x, eps).Loss);
        return model.Parameters.Grads.ToArray();
    }

    [Test]
    public void CapacityLossIsReconPlusGammaTimesDistanceOfKlFromC()
    {
        var (model, x, eps) = Batch();
        var f = Capacity(5f, 30f).Loss(new Tape(), model, x, eps);
        double expected = f.Reconstruction + 30 * Math.Abs(f.Kl - 5);
        Assert.That(f.Loss.Value, Is.EqualTo(expected).Within(1e-4 * expected));
        Assert.That(f.Kl, Is.GreaterThan(0));
    }

    [Test]
    public void CapacityGradientPullsTheKlTowardsC()
    {
        // mean recon + γ·|mean KL − C| has the gradient of mean recon ± γ·mean KL: the β-weighted loss at β = +γ
        // when KL > C (push the KL down), at β = −γ when KL < C (let it grow).
        var (model, x, eps) = Batch();
        double kl = model.Forward(new Tape(), x, eps).MeanKl;
        const float gamma = 3f;
        var above = Gradient(model, x, eps, Capacity((float)kl * 0.5f, gamma));
        var below = Gradient(model, x, eps, Capacity((float)kl * 2f + 1f, gamma));
        var betaPlus = Gradient(model, x, eps, new ElboObjective { Beta = gamma });
        var betaMinus = Gradient(model, x, eps, new ElboObjective { Beta = -gamma });
        Assert.That(above, Is.EqualTo(betaPlus).Within(1e-4f));
        Assert.That(below, Is.EqualTo(betaMinus).Within(1e-4f));
        Assert.That(above, Is.Not.EqualTo(below).Within(1e-4f));

        // With γ large enough to outweigh the reconstruction's pull, a small step along −gradient moves the KL towards C
        // from either side.
        above = Gradient(model, x, eps, Capacity((float)kl * 0.5f, 1000f));
        below = Gradient(model, x, eps, Capacity((float)kl * 2f + 1f, 1000f));
        foreach (var (grad, towardsUp) in new[] { (above, false), (below, true) })
        {
            var saved = model.Parameters.Values.ToArray();
            var values = model.Parameters.Values;
            for (int i = 0; i < values.Length; i++) values[i] -= 1e-6f * grad[i];
            double after = model.Forward(new Tape(), x, eps).MeanKl;
            saved.CopyTo(values);
            Assert.That(towardsUp ? after > kl : after < kl, Is.True, $"KL {kl} → {after}");
        }
    }

    [Test]
    public void TrainWritesKlPerDimensionAndActiveUnits()
    {
        using var dir = new TempDir();
        Assert.That(new TrainCommand().Run(TrainArgs(dir.Path, 2, "--kl-warmup", "1")), Is.EqualTo(ExitCodes.Ok));

        var metrics = File.ReadAllLines(dir.File("metrics.csv"));
        Assert.That(metrics[0], Is.EqualTo("epoch,train_loss,train_recon,train_kl,test_loss,test_recon,test_kl,images_per_sec,seconds,active_units"));
        var kl = File.ReadAllLines(dir.File("kl_per_dim.csv"));
        Assert.That(kl[0], Is.EqualTo("epoch,kl_0,kl_1,kl_2"));
        Assert.That(metrics, Has.Length.EqualTo(3));
        Assert.That(kl, Has.Length.EqualTo(3));
        for (int e = 1; e <= 2; e++)
        {
            var m = metrics[e].Split(',');
            var k = kl[e].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.That(m[0], Is.EqualTo(e.ToString()));
            Assert.That(k[0], Is.EqualTo(e));
            int active = int.Parse(m[9], CultureInfo.InvariantCulture);
            Assert.That(active, Is.InRange(0, 3));
            double testKl = double.Parse(m[6], CultureInfo.InvariantCulture);
            Assert.That(k.Skip(1).Sum(), Is.EqualTo(testKl).Within(1e-3 + 1e-4 * testKl), "KL per dimension sums to test_kl");
            Assert.That(k.Skip(1), Has.All.GreaterThanOrEqualTo(0));
        }
    }

    [Test]
    public void LatentActivityAgreesWithLatentCodes()
    {
        var (train, test) = Mnist.Load(TestPaths.Slice);
        var model = new VaeModel(new VaeConfig { Hidden = [16], Latent = 3 });
        new Trainer(model, new TrainOptions { BatchSize = 50, Threads = 1 }, train.Count).RunEpoch(train);
        var activity = new LatentActivity(batchSize: 64, threads: 1);
        var a = activity.Measure(model, test);
        var again = activity.Measure(model, test);     // the reused buffers start from zero again
        var codes = LatentCodes.Encode(model, test, threads: 1);
        Assert.That(a.Kl, Is.EqualTo(codes.Score).Within(1e-6));
        Assert.That(again.Kl, Is.EqualTo(a.Kl));
        for (int j = 0; j < 3; j++)
        {
            var mu = Enumerable.Range(0, codes.Count).Select(n => (double)codes.Mu[n * 3 + j]).ToArray();
            double mean = mu.Average(), variance = mu.Sum(v => (v - mean) * (v - mean)) / mu.Length;
            Assert.That(a.MuVariance[j], Is.EqualTo(variance).Within(1e-6 + 1e-4 * variance));
        }
        Assert.That(a.ActiveUnits, Is.EqualTo(a.MuVariance.Count(v => v > LatentActivity.ActiveVariance)));
    }

    [Test]
    public void ResumedCapacityRunContinuesItsScheduleExactly()
    {
        using var whole = new TempDir();
        using var split = new TempDir();
        string[] capacity = ["--capacity", "8", "--capacity-iters", "9", "--gamma", "5"];
        Assert.That(new TrainCommand().Run(TrainArgs(whole.Path, 2, capacity)), Is.EqualTo(ExitCodes.Ok));
        Assert.That(new TrainCommand().Run(TrainArgs(split.Path, 1, capacity)), Is.EqualTo(ExitCodes.Ok));
        Assert.That(new TrainCommand().Run(["--data", TestPaths.Slice, "--out", split.Path, "--epochs", "2", "--resume", "--threads", "1"]),
            Is.EqualTo(ExitCodes.Ok));

        // Same losses and KL per dimension (the time columns differ).
        static string[] Losses(string file) => File.ReadAllLines(file).Select(l => string.Join(',', l.Split(',').Take(7))).ToArray();
        Assert.That(Losses(split.File("metrics.csv")), Is.EqualTo(Losses(whole.File("metrics.csv"))));
        Assert.That(File.ReadAllLines(split.File("kl_per_dim.csv")), Is.EqualTo(File.ReadAllLines(whole.File("kl_per_dim.csv"))));

        var meta = Checkpoint.Load(split.File("resume.safetensors")).Metadata;
        Assert.That(meta["objective.capacity"], Is.EqualTo("8"));
        Assert.That(meta["objective.capacity_iters"], Is.EqualTo("9"));
        Assert.That(meta["objective.gamma"], Is.EqualTo("5"));

        // The schedule cannot be changed on resume, and --capacity does not mix with β.
        Assert.That(Dispatcher.Run(["train", "--data", TestPaths.Slice, "--out", split.Path, "--epochs", "3", "--resume", "--gamma", "2"]),
            Is.EqualTo(ExitCodes.BadInput));
        Assert.That(Dispatcher.Run(["train", .. TrainArgs(whole.Path, 1, "--capacity", "5", "--beta", "4")]), Is.EqualTo(ExitCodes.BadInput));
    }
}
