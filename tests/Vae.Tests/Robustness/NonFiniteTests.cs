using Vae.Cli;
using Vae.Model;
using Vae.Tests.Data;
using Vae.Training;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 5.4: a non-finite loss stops training with the epoch, batch and step named, exit 3, and leaves the last good
/// checkpoints as they were. Real divergence is hard to provoke on purpose (even --lr 10 stays finite: BCE with logits
/// is stable and logvar is clamped), so the run resumes from a checkpoint whose first-layer biases are finite but so
/// large (3e38) that the next step overflows. (A checkpoint holding NaN itself is refused when loaded:
/// HostileFileTests.)
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

        // Push the resumable weights to the edge of float (as a diverging run would); keep the rest of the file.
        var loaded = Checkpoint.Load(resume);
        var (_, _, bias) = loaded.Model.NamedParameters().Single(p => p.Name == "fc1.bias");
        bias.Data.Fill(3e38f);
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
        // logvar pushed far outside [−30, 20] (e^1000 overflows float32): the forward pass must see the bound, so
        // σ and the KL stay finite, and no gradient flows back through the clamped values.
        var model = new VaeModel(new VaeConfig { Hidden = [8], Latent = 2 });
        model.Initialize(new Rng(1));
        var bias = model.Parameters["fc22.bias"];
        var x = new Tensor(3, 784);
        x.Data.Fill(0.5f);
        var eps = new Tensor(3, 2);
        foreach (var (raw, bound) in new[] { (1000f, VaeModel.LogVarMax), (-1000f, VaeModel.LogVarMin) })
        {
            bias.Data.Fill(raw);
            var tape = new Tape();
            var f = model.Forward(tape, x, eps);
            Assert.That(f.LogVar!.Data.ToArray(), Is.All.EqualTo(bound), $"logvar with bias {raw}");
            for (int r = 0; r < 3; r++)
            {
                double expected = 0;
                for (int j = 0; j < 2; j++)
                {
                    double mu = f.Mu.Data[r * 2 + j];
                    expected += 0.5 * (mu * mu + Math.Exp(bound) - 1 - bound);   // ½(μ² + σ² − 1 − log σ²)
                }
                Assert.That(f.Kl!.Data[r], Is.EqualTo(expected).Within(1e-4 * expected), $"KL of row {r}");
            }
            model.Parameters.ZeroGrad();
            tape.Backward(ElboObjective.Standard.Loss(tape, model, x, eps).Loss);
            Assert.That(bias.Grad.ToArray(), Is.All.EqualTo(0f),
                "no gradient through a clamped logvar");
        }
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
