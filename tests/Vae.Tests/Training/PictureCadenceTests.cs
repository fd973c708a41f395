using System.Text.RegularExpressions;
using Vae.Cli;
using Vae.Cli.Commands;
using Vae.Cli.Runs;
using Vae.Tests.Data;
using Vae.Tests.Robustness;

namespace Vae.Tests.Training;

/// <summary>--pictures-every: the epochs that draw reconstruction_E.png and sample_E.png; report.html with
/// gaps.</summary>
public class PictureCadenceTests
{
    private static int[] Due(PictureCadence cadence, int last) =>
        Enumerable.Range(1, last).Where(e => cadence.Due(e, last)).ToArray();

    [Test]
    public void BurdaStageEndsAreTheRunningSumsOfThePowersOfThree()
    {
        var ends = Enumerable.Range(1, BurdaSchedule.TotalEpochs + 5).Where(BurdaSchedule.IsStageEnd).ToArray();
        Assert.That(ends, Is.EqualTo(new[] { 1, 4, 13, 40, 121, 364, 1093, 3280 }));
    }

    [Test]
    public void CadenceDrawsEveryNthEpochAndTheLast()
    {
        Assert.That(Due(PictureCadence.For(null, null), 4), Is.EqualTo(new[] { 1, 2, 3, 4 }), "today's default");
        Assert.That(Due(PictureCadence.For(3, null), 10), Is.EqualTo(new[] { 3, 6, 9, 10 }));
        Assert.That(Due(PictureCadence.For(null, BurdaSchedule.Name), 20), Is.EqualTo(new[] { 1, 4, 13, 20 }));
        Assert.That(Due(PictureCadence.For(null, BurdaSchedule.Name), BurdaSchedule.TotalEpochs),
            Has.Length.EqualTo(8));
        Assert.That(Due(PictureCadence.For(5, BurdaSchedule.Name), 12), Is.EqualTo(new[] { 5, 10, 12 }),
            "an explicit N wins over the schedule's stage ends");
    }

    [Test]
    public void TrainDrawsOnlyTheChosenEpochsAndTheReportShowsTheNewest()
    {
        using var temp = new TempDir();
        string run = temp.File("run");
        // 6 steps an epoch: stop in epoch 4, so the report of epoch 3 must show epoch 2's pictures.
        int asked = 0;
        var command = new TrainCommand { StopWhen = () => ++asked > 20 };
        var stopped = CliRun.Capture(() =>
            command.Run(CliRun.Tiny(run, "--epochs", "5", "--pictures-every", "2")[1..]));
        Assert.That(stopped.Code, Is.EqualTo(ExitCodes.Interrupted), stopped.ToString());
        Assert.That(Pictures(run), Is.EqualTo(new[] { "reconstruction_2.png", "sample_2.png" }));
        var html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.That(html, Does.Contain("epoch 3 of 5").And.Contain("sample_2.png (after epoch 2, the newest drawn)"));
        Assert.That(Embedded(html), Is.EqualTo(new[]
        {
            File.ReadAllBytes(Path.Combine(run, "reconstruction_2.png")),
            File.ReadAllBytes(Path.Combine(run, "sample_2.png")),
        }));

        var resumed = CliRun.Run("train", "--out", run, "--resume", "--epochs", "5", "--data", TestPaths.Slice,
            "--threads", "2", "--pictures-every", "2");
        Assert.That(resumed.Code, Is.EqualTo(ExitCodes.Ok), resumed.ToString());
        Assert.That(Pictures(run), Is.EqualTo(new[]
        {
            "reconstruction_2.png", "reconstruction_4.png", "reconstruction_5.png", "sample_2.png", "sample_4.png",
            "sample_5.png",
        }), "every 2nd epoch and the last");
        html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.That(html, Does.Contain("sample_5.png: 64 decodes").And.Not.Contain("the newest drawn"));
        Assert.That(Embedded(html)[1], Is.EqualTo(File.ReadAllBytes(Path.Combine(run, "sample_5.png"))));
    }

    [Test]
    public void PicturesEveryMustBeAPositiveCount()
    {
        using var temp = new TempDir();
        var r = CliRun.Run(CliRun.Tiny(temp.File("run"), "--epochs", "1", "--pictures-every", "0"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.Err, Does.Contain("--pictures-every"));
    }

    private static string[] Pictures(string run) =>
        Directory.GetFiles(run, "*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static byte[][] Embedded(string html) =>
        Regex.Matches(html, "data:image/png;base64,([A-Za-z0-9+/=]+)")
            .Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToArray();
}
