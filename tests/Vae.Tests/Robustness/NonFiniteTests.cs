using Vae.Cli;
using Vae.Model;
using Vae.Tests.Data;
using Vae.Training;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 5.4: a non-finite loss stops training with the epoch, batch and step named, exit 3, and leaves the last good
/// checkpoints as they were. Real divergence is hard to provoke on purpose (even --lr 10 stays finite: BCE with logits
/// is stable and logvar is clamped), so the run resumes from a checkpoint whose weights hold a NaN.
/// </summary>
[NonParallelizable]
public class NonFiniteTests
{
    [Test]
    public void NaNStopsWithExit3AndKeepsTheLastGoodCheckpoint()
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        Assert.That(CliRun.Run(CliRun.Tiny(run, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Ok));
        string model = Path.Combine(run, "model.safetensors"), resume = Path.Combine(run, "resume.safetensors");

        // Poison the resumable weights (as a diverged run would leave them) but keep everything else of the file.
        var loaded = Checkpoint.Load(resume);
        loaded.Model.Parameters.Values[5] = float.NaN;
        Checkpoint.Save(resume, loaded.Model, loaded.Metadata, loaded.Optimizer, loaded.State);
        byte[] modelBefore = File.ReadAllBytes(model), resumeBefore = File.ReadAllBytes(resume);
        string metricsBefore = File.ReadAllText(Path.Combine(run, "metrics.csv"));

        var r = CliRun.Run("train", "--out", run, "--resume", "--epochs", "3", "--data", TestPaths.Slice, "--threads", "2");

        Assert.That(r.Code, Is.EqualTo(ExitCodes.NonFinite), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        // 300 digits in batches of 50: epoch 2 starts at optimizer step 7.
        Assert.That(r.Err, Does.Contain("epoch 2, batch 1").And.Contain("step 7").And.Contain(model), r.ToString());
        Assert.That(File.ReadAllBytes(model), Is.EqualTo(modelBefore), "model.safetensors untouched");
        Assert.That(File.ReadAllBytes(resume), Is.EqualTo(resumeBefore), "resume.safetensors untouched");
        Assert.That(File.ReadAllText(Path.Combine(run, "metrics.csv")), Is.EqualTo(metricsBefore));
        var good = Checkpoint.Load(model);
        Assert.That(good.Metadata["epoch"], Is.EqualTo("1"));
        Assert.That(good.Model.Parameters.Values.ToArray().All(float.IsFinite), Is.True);
    }

    [Test]
    public void TrainerStopsBeforeTheUpdateSoTheWeightsAreThoseOfTheLastGoodStep()
    {
        var (train, _) = Vae.Data.Mnist.Load(TestPaths.Slice);
        var model = new VaeModel(new VaeConfig { Hidden = [16], Latent = 3 });
        var trainer = new Trainer(model, new TrainOptions { BatchSize = 50, Threads = 1 }, train.Count);
        trainer.RunEpoch(train);
        // Poison one input weight of the first layer: the loss turns NaN in the next forward pass.
        model.Parameters.Values[0] = float.NaN;
        var before = model.Parameters.Values.ToArray();
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.RunEpoch(train))!;
        Assert.That((e.Epoch, e.Batch, e.Step), Is.EqualTo((2, 1, 7L)));
        Assert.That(model.Parameters.Values.ToArray(), Is.EqualTo(before), "no update was applied");
        Assert.That(trainer.Optimizer.Step, Is.EqualTo(6));
    }

    [Test]
    public void LogVarIsClampedInsideTheLoss()
    {
        // The documented range; exp(20) and exp(−30) are finite in float32, so the KL term cannot overflow from logvar.
        Assert.That((VaeModel.LogVarMin, VaeModel.LogVarMax), Is.EqualTo((-30f, 20f)));
        Assert.That(float.IsFinite(MathF.Exp(VaeModel.LogVarMax)) && MathF.Exp(VaeModel.LogVarMin) > 0, Is.True);
    }

    [Test]
    public void ClipGradKeepsAHugeLearningRateFinite()
    {
        using var temp = new TempDir();
        var r = CliRun.Run(CliRun.Tiny(temp.File("run"), "--epochs", "1", "--lr", "10", "--clip-grad", "1"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        var row = CliRun.LossRows(Path.Combine(temp.File("run"), "metrics.csv"))[0];
        Assert.That(double.IsFinite(double.Parse(row["train_loss"], System.Globalization.CultureInfo.InvariantCulture)), Is.True);
        Assert.That(Checkpoint.Load(Path.Combine(temp.File("run"), "resume.safetensors")).Metadata["train.clip_grad"], Is.EqualTo("1"));
    }
}
