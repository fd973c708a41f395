using Vae.Cli;
using Vae.Cli.Commands;
using Vae.Data;
using Vae.Tests.Data;
using Vae.Tests.Robustness;
using Vae.Training;

namespace Vae.Tests.Objectives;

/// <summary>
/// The Burda et al. setup end to end on the committed slice: IWAE K = 5, dynamic binarisation and the schedule, two
/// epochs in one go versus one epoch and a resume (bit for bit), then <c>vae eval --iwae</c> on the binarised test set.
/// </summary>
[NonParallelizable]
public class IwaeRunTests
{
    private static string[] Run(string outDir, params string[] more) =>
        ["train", "--data", TestPaths.Slice, "--out", outDir, "--hidden", "24,16", "--latent", "4",
         "--activation", "tanh",
         "--objective", "iwae", "--k", "5", "--binarize", "dynamic", "--schedule", "burda", "--threads", "1", .. more];

    [Test]
    public void ResumedRunMatchesTheRunInOneGoAndEvaluates()
    {
        using var temp = new TempDir();
        string whole = temp.File("whole"), split = temp.File("split");
        var r = CliRun.Run(Run(whole, "--epochs", "2"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(r.Out, Does.Contain("IWAE bound, K = 5, dynamic binarisation, schedule burda"));
        Assert.That(r.Out, Does.Contain("batch 20"), "the schedule's batch size");
        Assert.That(r.Out, Does.Match(@"train −IWAE₅ \d+\.\d\d \(−ELBO \d+\.\d\d = recon \d+\.\d\d \+ kl "),
            "the bound is not recon + kl, so the line names it");
        Assert.That(File.ReadAllText(Path.Combine(whole, "report.html")), Does.Contain("<title>loss (−IWAE₅)</title>")
            .And.Not.Contain("negative ELBO"), "the report's loss chart names the bound too");
        Assert.That(CliRun.Run(Run(split, "--epochs", "1")).Code, Is.EqualTo(ExitCodes.Ok));
        var resumed = CliRun.Run("train", "--out", split, "--resume", "--epochs", "2", "--data", TestPaths.Slice,
            "--threads", "1");
        Assert.That(resumed.Code, Is.EqualTo(ExitCodes.Ok), resumed.ToString());
        CliRun.AssertSameLosses(Path.Combine(whole, "metrics.csv"), Path.Combine(split, "metrics.csv"), rows: 2);

        var loaded = Checkpoint.Load(Path.Combine(whole, "resume.safetensors"));
        Assert.That(loaded.Metadata["objective"], Is.EqualTo("iwae"));
        Assert.That(loaded.Metadata["data.binarize"], Is.EqualTo("dynamic"));
        Assert.That(loaded.Metadata["train.init"], Is.EqualTo("burda"), "--schedule burda implies the paper's init");
        Assert.That(loaded.Optimizer!.Epsilon, Is.EqualTo(1e-4f));
        Assert.That(loaded.Optimizer.LearningRate, Is.EqualTo(BurdaSchedule.LearningRateOfStage(1)),
            "epoch 2 is stage 1");

        var e = CliRun.Run("eval", "--checkpoint", Path.Combine(whole, "model.safetensors"), "--data", TestPaths.Slice,
            "--iwae", "20", "--threads", "1");
        Assert.That(e.Code, Is.EqualTo(ExitCodes.Ok), e.ToString());
        Assert.That(e.Out, Does.Contain("binarised (seed 20160101) test images"));
        Assert.That(e.Out, Does.Match(@"active units \d+/4"));
        Assert.That(e.Out, Does.Match(@"−log p\(x\) ≈ \d+\.\d+"));
        var beyond = CliRun.Run("eval", "--checkpoint", Path.Combine(whole, "model.safetensors"), "--data",
            TestPaths.Slice, "--images", "201", "--threads", "1");
        Assert.That(beyond.Code, Is.EqualTo(ExitCodes.BadInput), beyond.ToString());
        Assert.That(beyond.ErrLines, Has.Length.EqualTo(1), beyond.ToString());
        Assert.That(beyond.Err, Does.Contain("'--images' must be between 0 and 200"), "the slice has 200 test digits");
    }

    [Test]
    public void InitIsChosenOnceAndKeptByTheResume()
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        var r = CliRun.Run(Run(run, "--epochs", "1", "--init", "default"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(r.Out, Does.Contain("init default"), "an explicit --init wins over the schedule's");
        Assert.That(Checkpoint.Load(Path.Combine(run, "resume.safetensors")).Metadata["train.init"],
            Is.EqualTo("default"));
        var again = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice,
            "--threads", "1", "--init", "glorot");
        Assert.That(again.Code, Is.EqualTo(ExitCodes.BadInput), again.ToString());
        Assert.That(again.Err, Does.Contain("drop --init"));
        var resumed = CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice,
            "--threads", "1");
        Assert.That(resumed.Code, Is.EqualTo(ExitCodes.Ok), resumed.ToString());
        Assert.That(Checkpoint.Load(Path.Combine(run, "resume.safetensors")).Metadata["train.init"],
            Is.EqualTo("default"));
        var bad = CliRun.Run(Run(temp.File("bad"), "--init", "xavier"));
        Assert.That(bad.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(bad.Err, Does.Contain("--init").And.Contain("glorot"));
    }

    [Test]
    public void KSampleObjectivesRefuseKlOptions()
    {
        using var temp = new TempDir();
        var r = CliRun.Run(Run(temp.File("x"), "--beta", "2"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.Err, Does.Contain("--beta does not apply"));
        var lr = CliRun.Run(Run(temp.File("y"), "--lr", "1e-3"));
        Assert.That(lr.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(lr.Err, Does.Contain("drop --lr"));
    }

    [Test]
    public void DynamicBinarisationIsAPropertyOfTheTrainingSetAndKeyedByUse()
    {
        var (train, test) = Mnist.Load(TestPaths.Slice);
        var config = new RunConfig("mnist", new Vae.Model.VaeConfig(), new TrainOptions { Seed = 3 })
        {
            DynamicBinarization = true,
        };
        var set = config.TrainingSet(train);
        Assert.That(set.DynamicBinarizationSeed, Is.EqualTo(3UL));
        float[] Fill(ImageSet s, ulong use) { var d = new float[2 * s.Pixels]; s.FillBatch([5, 9], d, use); return d; }
        Assert.That(Fill(set, 11), Is.EqualTo(Fill(set, 11)), "same step, same draw");
        Assert.That(Fill(set, 11), Is.Not.EqualTo(Fill(set, 12)), "the next step draws afresh");
        Assert.That(Fill(set, 11).All(v => v is 0f or 1f));
        Assert.That(Fill(train, 11).Any(v => v is > 0f and < 1f), "without it, grey levels");
        Assert.That(config.TestSet(test).Images.All(b => b is 0 or 255), "the test set is binarised once");
        Assert.That((config with { DynamicBinarization = false }).TestSet(test), Is.SameAs(test));
    }
}
