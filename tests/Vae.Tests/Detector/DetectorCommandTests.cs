using Vae.Tests.Data;
using Vae.Tests.Robustness;

namespace Vae.Tests.Detector;

/// <summary>The DB-VAE commands end to end on the committed MNIST and Fashion-MNIST slices.</summary>
[NonParallelizable]
public class DetectorCommandTests
{
    private static string[] Data => ["--data", TestPaths.Slice, "--fashion-data", TestPaths.FashionSlice, "--threads", "1"];

    [Test]
    public void TrainEvaluateAndResumeADbVaeOnTheSlices()
    {
        using var tmp = new TempDir();
        string outDir = tmp.File("run");
        var train = CliRun.Run([.. ("dbvae-train --epochs 1 --batch-size 16 --hidden 32 --latent 4 --train-positives " +
            "0 --train-negatives 0 --a-positives 0.1").Split(' '),
            "--out", outDir, .. Data]);
        Assert.That(train.Code, Is.EqualTo(0), train.ToString());
        Assert.That(train.Out, Does.Contain("epoch   1").And.Contain("test TPR inverted"));
        var rows = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.That(rows, Has.Length.EqualTo(2));
        Assert.That(rows[0], Does.StartWith("epoch,train_loss"));

        var eval = CliRun.Run(["dbvae-eval", "--checkpoint", Path.Combine(outDir, "model.safetensors"), .. Data]);
        Assert.That(eval.Code, Is.EqualTo(0), eval.ToString());
        Assert.That(eval.Out, Does.Contain("TPR on inverted digits").And.Contain("(100 inverted)"));
        // The evaluation agrees with the numbers written at the end of training.
        string tprA = rows[1].Split(',')[4];
        Assert.That(eval.Out, Does.Contain($"{double.Parse(tprA, System.Globalization.CultureInfo.InvariantCulture):F4}"));

        var more = CliRun.Run(["dbvae-train", "--out", outDir, "--resume", "--epochs", "2", .. Data]);
        Assert.That(more.Code, Is.EqualTo(0), more.ToString());
        Assert.That(File.ReadAllLines(Path.Combine(outDir, "metrics.csv")), Has.Length.EqualTo(3));
        var again = CliRun.Run(["dbvae-train", "--out", outDir, "--epochs", "1", .. Data]);
        Assert.That(again.Code, Is.EqualTo(2), "a second run into the same folder is refused");
        Assert.That(again.Err, Does.Contain("--resume").And.Contain("--overwrite"));
        var refused = CliRun.Run(["dbvae-train", "--out", outDir, "--resume", "--epochs", "3", "--beta", "2", .. Data]);
        Assert.That(refused.Code, Is.EqualTo(2));
        Assert.That(refused.Err, Does.Contain("drop --beta"));
    }

    [Test]
    public void AnInterruptedDbVaeRunSavesAndItsResumeEqualsAnUninterruptedRun()
    {
        using var tmp = new TempDir();
        string[] run = [.. ("--epochs 2 --batch-size 16 --hidden 32 --latent 4 --train-positives 0 --train-negatives " +
            "0 --a-positives 0.1").Split(' '), .. Data];
        var whole = CliRun.Run(["dbvae-train", "--out", tmp.File("whole"), .. run]);
        Assert.That(whole.Code, Is.EqualTo(0), whole.ToString());

        int asked = 0;
        var command = new Vae.Cli.Commands.DbVaeTrainCommand { StopWhen = () => ++asked > 45 };   // epoch 2, batch 8 (37 steps an epoch)
        var stopped = CliRun.Capture(() => command.Run(["--out", tmp.File("cut"), .. run]));
        Assert.That(stopped.Code, Is.EqualTo(Vae.Cli.ExitCodes.Interrupted), stopped.ToString());
        Assert.That(stopped.Out, Does.Contain("continue with: vae dbvae-train"));
        var resumed = CliRun.Run(["dbvae-train", "--out", tmp.File("cut"), "--resume", "--epochs", "2", .. Data]);
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.ToString());

        var a = Checkpoint.Load(Path.Combine(tmp.File("whole"), "model.safetensors")).Model.Parameters.Values.ToArray();
        var b = Checkpoint.Load(Path.Combine(tmp.File("cut"), "model.safetensors")).Model.Parameters.Values.ToArray();
        Assert.That(b, Is.EqualTo(a), "the resumed run's weights");
        string Tail(string dir) => string.Join('\n', File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Select(l => l[..l.LastIndexOf(',')]));
        Assert.That(Tail(tmp.File("cut")), Is.EqualTo(Tail(tmp.File("whole"))), "metrics.csv apart from the seconds");
    }

    [Test]
    public void ExperimentWritesItsTableCsvAndPictures()
    {
        using var tmp = new TempDir();
        string outDir = tmp.File("exp");
        var r = CliRun.Run(["dbvae-experiment", "--out", outDir, "--seeds", "2", "--epochs", "1", "--batch-size", "16",
            "--hidden", "32", "--latent", "4", "--train-positives", "0", "--train-negatives", "0", "--a-positives", "0.1",
            "--arms", "a-classifier;c-capped:sampling=latent-density,combine=product,cap=5;d-oracle",   // built-ins by name
            .. Data]);
        Assert.That(r.Code, Is.EqualTo(0), r.ToString());
        var csv = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.That(csv, Has.Length.EqualTo(1 + 3 * 2));
        Assert.That(csv[0], Does.StartWith("arm,seed,tpr_a,tpr_other,gap"));
        string md = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.That(md, Does.Contain("| a-classifier |").And.Contain("| c-capped |").And.Contain("Target against " +
            "a-classifier"));
        Assert.That(md, Does.Contain("**a-classifier**: classifier only").And.Contain("**d-oracle**: λ 0.00128, β 1, " +
            "latent 4, positives oracle"));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "tpr.svg")), Does.StartWith("<svg").And.Contain("d-oracle"));
        Assert.That(File.Exists(Path.Combine(outDir, "probabilities.png")), Is.True);
    }

    [Test]
    public void ExperimentGivesTheSameResultsOneOrTwoRunsAtATime()
    {
        using var tmp = new TempDir();
        string[] Args(string dir, string jobs) => ["dbvae-experiment", "--out", tmp.File(dir), "--seeds", "2",
            "--epochs", "1", "--batch-size", "16", "--hidden", "32", "--latent", "4", "--train-positives", "0",
            "--train-negatives", "0", "--a-positives", "0.1", "--jobs", jobs,
            "--arms", "a:vae-weight=0;c-capped:sampling=latent-density,combine=product,cap=5",
            "--data", TestPaths.Slice, "--fashion-data", TestPaths.FashionSlice, "--threads", "2"];
        var serial = CliRun.Run(Args("serial", "1"));
        var parallel = CliRun.Run(Args("parallel", "2"));
        Assert.That(serial.Code, Is.EqualTo(0), serial.ToString());
        Assert.That(parallel.Code, Is.EqualTo(0), parallel.ToString());
        Assert.That(serial.Out, Does.Contain("1 run at a time, 2 threads each"));
        Assert.That(parallel.Out, Does.Contain("2 runs at a time, 1 thread each"));
        // Every column but the seconds, line by line; the same run picked for the picture.
        string[] Csv(string dir) => File.ReadAllLines(Path.Combine(tmp.File(dir), "results.csv"))
            .Select(l => l[..l.LastIndexOf(',')]).ToArray();
        Assert.That(Csv("parallel"), Is.EqualTo(Csv("serial")));
        Assert.That(File.ReadAllBytes(Path.Combine(tmp.File("parallel"), "probabilities.png")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(tmp.File("serial"), "probabilities.png"))));
    }

    [Test]
    public void BadArmsAreOneLineAndExitTwo()
    {
        var r = CliRun.Run(["dbvae-experiment", "--arms", "x:colour=blue", .. Data]);
        Assert.That(r.Code, Is.EqualTo(2));
        Assert.That(r.ErrLines, Has.Length.EqualTo(1));
        Assert.That(r.Err, Does.Contain("unknown key 'colour'"));
    }

    [Test]
    public void HelpOfEachDbVaeCommandDescribesIt()
    {
        foreach (string command in new[] { "dbvae-train", "dbvae-eval", "dbvae-experiment" })
        {
            var r = CliRun.Run(command, "--help");
            Assert.That(r.Code, Is.EqualTo(0));
            Assert.That(r.Out, Does.Contain(command).And.Contain("--fashion-data"));
        }
    }

    [Test]
    public void PlainTrainRunsOnTheFashionSlice()
    {
        using var tmp = new TempDir();
        var r = CliRun.Run("train", "--dataset", "fashion-mnist", "--data", TestPaths.FashionSlice, "--out", tmp.File("f"),
            "--epochs", "1", "--hidden", "32", "--latent", "2", "--threads", "1");
        Assert.That(r.Code, Is.EqualTo(0), r.ToString());
        Assert.That(File.Exists(Path.Combine(tmp.File("f"), "model.safetensors")), Is.True);
    }
}
