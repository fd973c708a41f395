using Vae.Data;
using Vae.Model;
using Vae.Tests.Data;

namespace Vae.Tests.Training;

/// <summary>A run's options as checkpoint metadata and back (RunConfig), and what a resume checks.</summary>
public class RunConfigTests
{
    private static RunConfig Sample() => new("mnist", new VaeConfig { Hidden = [16, 8], Latent = 3 }, new TrainOptions
    {
        Epochs = 7, Threads = 2, BatchSize = 50, LearningRate = 3e-4f, Seed = 9, ClipGradNorm = 2.5f,
        Objective = new ElboObjective { Beta = 4f, WarmupEpochs = 1.0 / 3 },
        Debias = new DebiasOptions(12, 0.01, DebiasCombine.Product), BiasDigit = 8, BiasKeep = 0.2,
    });

    [Test]
    public void MetadataRoundTripRebuildsTheSameRun()
    {
        var run = Sample();
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var m = run.ToMetadata(run.TrainingSet(train));
        foreach (var (k, v) in run.Model.ToMetadata()) m[k] = v;
        var back = RunConfig.FromMetadata(m, epochs: 7, threads: 2);
        Assert.That(back.Dataset, Is.EqualTo("mnist"));
        Assert.That(back.Model.ToString(), Is.EqualTo(run.Model.ToString()));
        Assert.That(back.Options with { Objective = run.Options.Objective }, Is.EqualTo(run.Options));
        Assert.That(back.Options.Objective, Is.EqualTo(run.Options.Objective), "β and the warm-up read back exactly");
        Assert.That(((ElboObjective)back.Options.Objective).WarmupEpochs, Is.EqualTo(1.0 / 3));
    }

    [Test]
    public void AnUnknownObjectiveOrAMissingKeyIsAFormatError()
    {
        var run = Sample();
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var m = run.ToMetadata(train);
        foreach (var (k, v) in run.Model.ToMetadata()) m[k] = v;
        var unknown = new Dictionary<string, string>(m) { ["objective"] = "nope" };
        Assert.That(() => RunConfig.FromMetadata(unknown, 1, 1), Throws.TypeOf<FormatException>().With.Message.Contains("nope"));
        var missing = new Dictionary<string, string>(m);
        missing.Remove("train.lr");
        Assert.That(() => RunConfig.FromMetadata(missing, 1, 1), Throws.TypeOf<FormatException>().With.Message.Contains("train.lr"));
        var invalid = new Dictionary<string, string>(m) { ["objective.beta"] = "-1" };
        Assert.That(() => RunConfig.FromMetadata(invalid, 1, 1), Throws.TypeOf<FormatException>().With.Message.Contains("beta"));
    }

    [Test]
    public void ResumeRefusesOtherTrainingImages()
    {
        var (train, test) = Mnist.Load(TestPaths.Slice);
        var run = new RunConfig("mnist", new VaeConfig { Hidden = [8], Latent = 2 }, new TrainOptions { BatchSize = 100, Threads = 1 });
        var m = run.ToMetadata(train);
        Assert.DoesNotThrow(() => RunConfig.CheckSameData(m, "mnist", train));
        Assert.That(() => RunConfig.CheckSameData(m, "fashion-mnist", train), Throws.TypeOf<FormatException>().With.Message.Contains("mnist"));
        Assert.That(() => RunConfig.CheckSameData(m, "mnist", test), Throws.TypeOf<FormatException>().With.Message.Contains("300"));
        var changed = Subsets.Select(train, Enumerable.Range(0, train.Count).Reverse().ToArray());   // same images, other order
        Assert.That(() => RunConfig.CheckSameData(m, "mnist", changed), Throws.TypeOf<FormatException>().With.Message.Contains("SHA-256"));
    }

    [Test]
    public void LibraryResumesARunWithoutTheCli()
    {
        // Train 2 epochs in one go, and 1 + 1 through a checkpoint read back by ResumableRun: same weights, bit for bit.
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var run = new RunConfig("mnist", new VaeConfig { Hidden = [16], Latent = 3 },
            new TrainOptions { Epochs = 2, BatchSize = 64, Threads = 1, Objective = new ElboObjective { Beta = 2, WarmupEpochs = 1.5 } });
        var whole = new Trainer(new VaeModel(run.Model), run.Options, train.Count);
        whole.RunEpoch(train);
        whole.RunEpoch(train);

        using var dir = new TempDir();
        var first = new Trainer(new VaeModel(run.Model), run.Options, train.Count);
        first.RunEpoch(train);
        Checkpoint.Save(dir.File("resume.safetensors"), first.Model, run.ToMetadata(train), first.Optimizer, first.Capture());
        var saved = ResumableRun.Load(dir.File("resume.safetensors"), epochs: 2, threads: 1);
        var second = saved.Continue(dir.File("resume.safetensors"), train);
        second.RunEpoch(train);
        Assert.That(second.Model.Parameters.Values.ToArray(), Is.EqualTo(whole.Model.Parameters.Values.ToArray()));
        Assert.That(() => saved.Continue(dir.File("resume.safetensors"), Subsets.OfLabel(train, 3)),
            Throws.TypeOf<InvalidInputFileException>());
    }

    [Test]
    public void DatasetsAreChosenByName()
    {
        Assert.That(Datasets.Get("mnist").Name, Is.EqualTo("mnist"));
        Assert.That(Datasets.Names, Does.Contain("mnist"));
        Assert.That(() => Datasets.Get("nope"), Throws.ArgumentException.With.Message.Contains("mnist"));
        var mnist = Datasets.Get("mnist");
        var (train, test) = mnist.Load(TestPaths.Slice);
        Assert.That((train.Width, train.Height, train.Channels, train.Pixels), Is.EqualTo((mnist.Width, mnist.Height, mnist.Channels, 784)));
        Assert.That(test.Count, Is.EqualTo(200));
        Assert.That(mnist.LabelNames, Has.Count.EqualTo(10));
    }

    [Test]
    public void UnknownDatasetOnTheCommandLineIsOneLineAndExit2()
    {
        using var dir = new TempDir();
        var r = Robustness.CliRun.Run(["train", "--dataset", "nope", "--out", dir.File("run")]);
        Assert.That(r.Code, Is.EqualTo(Vae.Cli.ExitCodes.BadInput), r.ToString());
        Assert.That(r.Err, Does.Contain("nope").And.Contain("mnist"));
    }
}
