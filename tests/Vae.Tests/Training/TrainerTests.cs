using Vae.Data;
using Vae.Model;
using Vae.Training;

namespace Vae.Tests.Training;

public class TrainerTests
{
    private static (ImageSet Train, ImageSet Test) Slice() => Mnist.Load(TestPaths.Slice);

    private static readonly VaeConfig Small = new() { Hidden = [64], Latent = 4 };

    private static List<double> Losses(ulong seed, int epochs, int threads)
    {
        var (train, _) = Slice();
        var trainer = new Trainer(new VaeModel(Small), new TrainOptions { BatchSize = 32, Seed = seed, Threads = threads, Epochs = epochs }, train.Count);
        var losses = new List<double>();
        for (int e = 0; e < epochs; e++) losses.Add(trainer.RunEpoch(train).Train.MeanLoss);
        return losses;
    }

    [Test]
    public void SameSeedGivesTheSameLossSequence()
    {
        var a = Losses(seed: 5, epochs: 3, threads: 2);
        var b = Losses(seed: 5, epochs: 3, threads: 2);
        Assert.That(b, Is.EqualTo(a), "bit-identical losses for the same seed and thread count");
        var c = Losses(seed: 6, epochs: 3, threads: 2);
        Assert.That(c, Is.Not.EqualTo(a), "another seed gives another run");
    }

    [Test]
    public void LossFallsOnRealDigits()
    {
        var losses = Losses(seed: 1, epochs: 4, threads: 1);
        Assert.That(losses[^1], Is.LessThan(losses[0] - 30), string.Join(", ", losses));
    }

    [Test]
    public void EvaluationIsDeterministicAndSplitsIntoParts()
    {
        var (train, test) = Slice();
        var model = new VaeModel(Small);
        new Trainer(model, new TrainOptions { BatchSize = 50 }, train.Count).RunEpoch(train);
        var e1 = Evaluator.Of(model, test, batchSize: 64);
        var e2 = Evaluator.Of(model, test, batchSize: 64);
        Assert.That(e2, Is.EqualTo(e1));
        Assert.That(e1.Images, Is.EqualTo(test.Count));
        Assert.That(e1.Loss, Is.EqualTo(e1.Reconstruction + e1.Kl).Within(1e-6 * e1.Loss));
        Assert.That(e1.Kl, Is.GreaterThan(0));
    }

    [Test]
    public void StoppingMidEpochAndContinuingMatchesAnUninterruptedEpoch()
    {
        var (train, _) = Slice();
        var options = new TrainOptions { BatchSize = 32, Seed = 3, Threads = 2 };
        var whole = new Trainer(new VaeModel(Small), options, train.Count).RunEpoch(train);

        var model = new VaeModel(Small);
        var trainer = new Trainer(model, options, train.Count);
        int steps = 0;
        var first = trainer.RunEpoch(train, () => steps++ >= 4);
        Assert.That(first.Completed, Is.False);
        Assert.That(trainer.State.BatchInEpoch, Is.EqualTo(4));
        var rest = trainer.RunEpoch(train);
        Assert.That(rest.Completed, Is.True);
        Assert.That(rest.Train.MeanLoss, Is.EqualTo(whole.Train.MeanLoss));
    }

    [Test]
    public void SteadyStateTrainingStepsOfTheDefaultVaeAllocateNothing()
    {
        // The default model and batch size on random digits; the stop callback runs between steps, so it can read
        // the allocation counter after step 5 (warm) and after step 25.
        int count = 128 * 30;
        var images = new byte[count * Mnist.Pixels];
        new Random(3).NextBytes(images);
        var train = new ImageSet(images, new byte[count]);
        var trainer = new Trainer(new VaeModel(new VaeConfig()), new TrainOptions { Threads = 2 }, count);
        long before = 0, after = 0;
        int steps = 0;
        trainer.RunEpoch(train, () =>
        {
            if (steps == 5) before = GC.GetAllocatedBytesForCurrentThread();
            if (steps == 25) after = GC.GetAllocatedBytesForCurrentThread();
            return steps++ >= 25;
        });
        Assert.That(after - before, Is.Zero, "bytes allocated by 20 steady-state steps");
    }

    [Test]
    public void NonFiniteLossStopsWithTheStepNamed()
    {
        var (train, _) = Slice();
        var model = new VaeModel(Small);
        var trainer = new Trainer(model, new TrainOptions { BatchSize = 32 }, train.Count);
        model.Parameters.Values[0] = float.NaN;
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.RunEpoch(train));
        Assert.That(e!.Epoch, Is.EqualTo(1));
        Assert.That(e.Batch, Is.EqualTo(1));
        Assert.That(e.Message, Does.Contain("epoch 1, batch 1"));
    }

    [Test]
    public void AutoencoderTrainsWithoutKl()
    {
        var (train, test) = Slice();
        var model = new VaeModel(new VaeConfig { Hidden = [32], Latent = 2, Kind = ModelKind.Ae, Likelihood = Likelihood.Gaussian });
        var r = new Trainer(model, new TrainOptions { BatchSize = 30 }, train.Count).RunEpoch(train);
        Assert.That(r.Train.MeanKl, Is.Zero);
        var e = Evaluator.Of(model, test);
        Assert.That(e.Kl, Is.Zero);
        Assert.That(e.Loss, Is.GreaterThan(0).And.LessThan(200));
    }
}
