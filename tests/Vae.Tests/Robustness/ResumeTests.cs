using Vae.Cli;
using Vae.Cli.Commands;
using Vae.Data;
using Vae.Model;
using Vae.Tests.Data;
using Vae.Training;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 5.6 and 5.9: a run stopped (at an epoch boundary or mid-epoch) and resumed gives the same metrics.csv loss
/// columns, bit for bit, as the run done in one go; two runs with the same seed and thread count agree bit for bit.
/// </summary>
[NonParallelizable]
public class ResumeTests
{
    private TempDir _temp = null!;
    private string _whole = null!;

    [OneTimeSetUp]
    public void TrainTwoEpochsInOneGo()
    {
        _temp = new TempDir();
        _whole = _temp.File("whole");
        var r = CliRun.Run(CliRun.Tiny(_whole, "--epochs", "2"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
    }

    [OneTimeTearDown]
    public void Cleanup() => _temp.Dispose();

    private string Metrics(string run) => Path.Combine(run, "metrics.csv");

    [Test]
    public void SameSeedAndThreadsGiveIdenticalMetrics()
    {
        string again = _temp.File("again");
        var r = CliRun.Run(CliRun.Tiny(again, "--epochs", "2"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        CliRun.AssertSameLosses(Metrics(_whole), Metrics(again), rows: 2);

        string otherSeed = _temp.File("other-seed");
        Assert.That(CliRun.Run(CliRun.Tiny(otherSeed, "--epochs", "1", "--seed", "8")).Code, Is.EqualTo(ExitCodes.Ok));
        Assert.That(CliRun.LossRows(Metrics(otherSeed))[0]["train_loss"], Is.Not.EqualTo(CliRun.LossRows(Metrics(_whole))[0]["train_loss"]));
    }

    [Test]
    public void OneEpochThenResumeMatchesTwoInOneGo()
    {
        string run = _temp.File("one-then-resume");
        Assert.That(CliRun.Run(CliRun.Tiny(run, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Ok));
        var r = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice, "--threads", "2");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(r.Out, Does.Contain("resuming"));
        CliRun.AssertSameLosses(Metrics(_whole), Metrics(run), rows: 2);
        AssertSameWeights(Path.Combine(_whole, "model.safetensors"), Path.Combine(run, "model.safetensors"));

        // Asking for what is already done changes nothing.
        var again = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice, "--threads", "2");
        Assert.That(again.Code, Is.EqualTo(ExitCodes.Ok), again.ToString());
        Assert.That(again.Out, Does.Contain("nothing to do"));
        CliRun.AssertSameLosses(Metrics(_whole), Metrics(run), rows: 2);
    }

    [Test]
    public void ResumeDuringAFractionalKlWarmupMatchesTheWholeRun()
    {
        // --kl-warmup is a double; the checkpoint must give it back exactly, or β drifts after the resume.
        string whole = _temp.File("warmup-whole"), split = _temp.File("warmup-split");
        Assert.That(CliRun.Run(CliRun.Tiny(whole, "--epochs", "2", "--kl-warmup", "1.7")).Code, Is.EqualTo(ExitCodes.Ok));
        Assert.That(CliRun.Run(CliRun.Tiny(split, "--epochs", "1", "--kl-warmup", "1.7")).Code, Is.EqualTo(ExitCodes.Ok));
        var r = CliRun.Run("train", "--out", split, "--resume", "--epochs", "2", "--data", TestPaths.Slice, "--threads", "2");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        CliRun.AssertSameLosses(Metrics(whole), Metrics(split), rows: 2);
    }

    /// <summary>
    /// Stops through the command's own stop path (the one Ctrl-C takes) after <paramref name="steps"/> steps — 6 steps
    /// make an epoch — then resumes: the rows must equal the uninterrupted run's.
    /// </summary>
    [TestCase(3, 0, 3)]   // in epoch 1, after batch 3
    [TestCase(8, 1, 2)]   // in epoch 2, after batch 2
    [TestCase(6, 1, 0)]   // just after epoch 1 (the stop is seen before epoch 2's first step)
    public void InterruptedMidEpochThenResumedMatchesTheWholeRun(int steps, int epochsDone, int batchInEpoch)
    {
        string run = _temp.File($"stopped-after-{steps}");
        int asked = 0;
        var command = new TrainCommand { StopWhen = () => ++asked > steps };
        var stopped = CliRun.Capture(() => command.Run(CliRun.Tiny(run, "--epochs", "2")[1..]));

        Assert.That(stopped.Code, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        Assert.That(stopped.Out, Does.Contain("resume.safetensors").And.Contain("--resume"), stopped.ToString());
        var saved = Checkpoint.Load(Path.Combine(run, "resume.safetensors"));
        Assert.That(saved.State, Is.Not.Null);
        Assert.That((saved.State!.Epoch, saved.State.BatchInEpoch), Is.EqualTo((epochsDone, batchInEpoch)));
        Assert.That(saved.State.Step, Is.EqualTo(steps));
        Assert.That(CliRun.LossRows(Metrics(run)), Has.Count.EqualTo(epochsDone), "metrics of the finished epochs are on disk");

        var resumed = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice, "--threads", "2");
        Assert.That(resumed.Code, Is.EqualTo(ExitCodes.Ok), resumed.ToString());
        CliRun.AssertSameLosses(Metrics(_whole), Metrics(run), rows: 2);
        AssertSameWeights(Path.Combine(_whole, "model.safetensors"), Path.Combine(run, "model.safetensors"));
    }

    /// <summary>
    /// The library path alone: a Trainer stopped after k steps, saved as the command saves (Checkpoint.Save with
    /// trainer.Capture()), read back from the file into a new Trainer, and finished, equals one never stopped.
    /// </summary>
    [TestCase(1)]
    [TestCase(4)]
    [TestCase(9)]
    public void LibraryStopSaveLoadContinueIsBitIdentical(int k)
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var config = new VaeConfig { Hidden = [16], Latent = 3 };
        var options = new TrainOptions { BatchSize = 32, Seed = 11, Threads = 2, Epochs = 2 };   // 10 steps an epoch (the last of 12)

        var reference = new Trainer(new VaeModel(config), options, train.Count);
        var expected = new[] { reference.RunEpoch(train), reference.RunEpoch(train) };

        var first = new Trainer(new VaeModel(config), options, train.Count);
        int asked = 0;
        var results = new List<EpochResult>();
        while (first.State.Epoch < 2)
        {
            var r = first.RunEpoch(train, () => ++asked > k);
            if (!r.Completed) break;
            results.Add(r);
        }
        string path = Path.Combine(Path.GetTempPath(), $"vae-resume-{Guid.NewGuid():N}.safetensors");
        try
        {
            Checkpoint.Save(path, first.Model, null, first.Optimizer, first.Capture());
            var loaded = Checkpoint.Load(path);
            var second = new Trainer(loaded.Model, options, train.Count, loaded.State, loaded.Optimizer);
            while (second.State.Epoch < 2) results.Add(second.RunEpoch(train));
            Assert.That(results.Select(r => (r.Epoch, r.Train.Loss, r.Train.Reconstruction, r.Train.Kl, r.Train.Images)),
                Is.EqualTo(expected.Select(r => (r.Epoch, r.Train.Loss, r.Train.Reconstruction, r.Train.Kl, r.Train.Images))));
            Assert.That(second.Model.Parameters.Values.ToArray(), Is.EqualTo(reference.Model.Parameters.Values.ToArray()));
            Assert.That(second.Optimizer.Step, Is.EqualTo(reference.Optimizer.Step));
        }
        finally { File.Delete(path); }
    }

    private static void AssertSameWeights(string expected, string actual)
    {
        var a = Checkpoint.Load(expected).Model.Parameters.Values.ToArray();
        var b = Checkpoint.Load(actual).Model.Parameters.Values.ToArray();
        Assert.That(b, Is.EqualTo(a), "weights bit for bit");
    }
}
