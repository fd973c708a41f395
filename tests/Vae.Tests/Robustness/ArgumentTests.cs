using System.Diagnostics;
using Vae.Cli;
using Vae.Tests.Data;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 5.8: a bad command line is one clear line with a hint to --help, exit 2; an output folder that cannot be
/// written is reported before any data is read or training starts.
/// </summary>
[NonParallelizable]
public class ArgumentTests
{
    public static IEnumerable<TestCaseData> BadCommandLines()
    {
        TestCaseData Case(string why, params string[] args) => new TestCaseData((object)args).SetArgDisplayNames(why);
        yield return Case("unknown command", "frobnicate");
        yield return Case("unknown two-word command", "bench frobnicate");
        yield return Case("unknown option", "train", "--frobnicate", "3");
        yield return Case("unknown short option", "train", "-x");
        yield return Case("missing value", "train", "--epochs");
        yield return Case("missing value before another option", "train", "--lr", "--epochs", "2");
        yield return Case("unexpected argument", "train", "extra");
        yield return Case("batch size 0", "train", "--batch-size", "0");
        yield return Case("negative lr", "train", "--lr", "-1");
        yield return Case("lr 0", "train", "--lr", "0");
        yield return Case("lr NaN", "train", "--lr", "NaN");
        yield return Case("latent 0", "train", "--latent", "0");
        yield return Case("epochs 0", "train", "--epochs", "0");
        yield return Case("epochs -3", "train", "--epochs", "-3");
        yield return Case("threads 0", "train", "--threads", "0");
        yield return Case("hidden not a list of numbers", "train", "--hidden", "400,x");
        yield return Case("hidden 0", "train", "--hidden", "0");
        yield return Case("epochs not a number", "train", "--epochs", "ten");
        yield return Case("epochs overflow", "train", "--epochs", "99999999999999999999");
        yield return Case("unknown activation", "train", "--activation", "gelu");
        yield return Case("negative clip-grad", "train", "--clip-grad", "-1");
        yield return Case("flag given a value", "train", "--resume=yes");
        yield return Case("resume with run options", "train", "--resume", "--lr", "0.1");
        yield return Case("iwae on an autoencoder", "train", "--objective", "iwae", "--k", "5", "--model", "ae");
        yield return Case("averaged elbo on an autoencoder", "train", "--k", "5", "--model", "ae");
        yield return Case("bench train iwae on an autoencoder",
            "bench", "train", "--objective", "iwae", "--model", "ae");
        yield return Case("eval without checkpoint", "eval");
        yield return Case("sample n 0", "sample", "--checkpoint", "x", "--out", "y.png", "--n", "0");
        yield return Case("eval iwae negative", "eval", "--checkpoint", "x", "--iwae", "-1");
        yield return Case("eval iwae beyond one batch of samples", "eval", "--checkpoint", "x", "--iwae", "100000");
    }

    [TestCaseSource(nameof(BadCommandLines))]
    public void BadCommandLineIsOneLineWithAHelpHintAndExit2(string[] args)
    {
        var r = CliRun.Run(args);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.Contain("--help"), r.ToString());
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void NoArgumentsPrintsHelpAndExits2()
    {
        var r = CliRun.Run();
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(r.Out, Does.Contain("usage: vae COMMAND").And.Contain("exit codes"));
    }

    [Test]
    public void HelpExits0()
    {
        Assert.That(CliRun.Run("--help").Code, Is.EqualTo(ExitCodes.Ok));
        var r = CliRun.Run("train", "--help");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok));
        Assert.That(r.Out, Does.Contain("--clip-grad").And.Contain("--resume"));
    }

    [Test]
    public void NothingToResumeIsOneLine()
    {
        using var temp = new TempDir();
        var r = CliRun.Run("train", "--out", temp.Path, "--resume", "--epochs", "2");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.Contain("resume.safetensors"));
    }

    /// <summary>
    /// Tests run as root, for whom permissions do not stop a write, so the unwritable folders here are paths through a
    /// regular file. --data names a folder whose files are all empty: had the command read data first, the message
    /// would be about them.
    /// </summary>
    [TestCase("under a file")]
    [TestCase("is a file")]
    public void UnwritableOutputIsReportedBeforeTraining(string how)
    {
        using var temp = new TempDir();
        string file = temp.File("plain-file");
        File.WriteAllText(file, "not a folder");
        string data = temp.File("empty-data");
        Directory.CreateDirectory(data);
        foreach (var name in Vae.Data.Mnist.FileNames) File.WriteAllBytes(Path.Combine(data, name), []);
        string output = how == "is a file" ? file : Path.Combine(file, "run");

        var clock = Stopwatch.StartNew();
        var r = CliRun.Run("train", "--data", data, "--out", output, "--epochs", "1");

        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.Contain(output).And.Not.Contain("empty-data"), r.ToString());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void UnwritableSampleOutputIsReportedBeforeLoading()
    {
        using var temp = new TempDir();
        string file = temp.File("plain-file");
        File.WriteAllText(file, "x");
        var r = CliRun.Run("sample", "--checkpoint", "/nonexistent.safetensors", "--out", Path.Combine(file, "s.png"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.Contain("plain-file"), r.ToString());
    }
}
