using Vae.Cli;
using Vae.Tests.Data;
using Vae.Tests.Robustness;

namespace Vae.Tests.Lecture;

/// <summary>The commands of issue 12 end to end on a tiny model: one epoch on the shapes set, then its scores.</summary>
[NonParallelizable]
public class ShapesCommandTests
{
    private TempDir _dir = null!;
    private string _shapesModel = null!, _mnistModel = null!;

    [OneTimeSetUp]
    public void TrainTinyModels()
    {
        _dir = new TempDir();
        var r = CliRun.Run(["train", "--dataset", "shapes", "--out", _dir.File("shapes"), "--hidden", "16",
            "--latent", "3", "--batch-size", "256", "--epochs", "1", "--threads", "2", "--seed", "7"]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        _shapesModel = Path.Combine(_dir.File("shapes"), "model.safetensors");
        r = CliRun.Run(CliRun.Tiny(_dir.File("mnist"), "--epochs", "1"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        _mnistModel = Path.Combine(_dir.File("mnist"), "model.safetensors");
    }

    [OneTimeTearDown]
    public void Cleanup() => _dir.Dispose();

    [Test]
    public void DisentanglementPrintsEveryFactorAndAppendsOneCsvRowPerRun()
    {
        string csv = _dir.File("scores.csv");
        for (int run = 1; run <= 2; run++)
        {
            var r = CliRun.Run(["disentanglement", "--checkpoint", _shapesModel, "--threads", "2", "--csv", csv]);
            Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
            foreach (var factor in new[] { "shape", "scale", "orientation", "x", "y" })
                Assert.That(r.Out, Does.Match($@"(?m)^{factor}\s+\d+\s"), r.Out);
            Assert.That(r.Out, Does.Contain("MIG ").And.Contain("FactorVAE score"));
            var lines = File.ReadAllLines(csv);
            Assert.That(lines, Has.Length.EqualTo(1 + run));
            Assert.That(lines[run].Split(','), Has.Length.EqualTo(lines[0].Split(',').Length));
            var row = lines[0].Split(',').Zip(lines[run].Split(',')).ToDictionary(p => p.First, p => p.Second);
            Assert.That((row["beta"], row["capacity"], row["seed"], row["epoch"]), Is.EqualTo(("1", "off", "7", "1")));
        }
    }

    [Test]
    public void DisentanglementOfAModelWithoutKnownFactorsIsOneLine()
    {
        var r = CliRun.Run(["disentanglement", "--checkpoint", _mnistModel, "--data", TestPaths.Slice]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(r.ErrLines, Has.Length.EqualTo(1));
        Assert.That(r.Err, Does.Contain("no known factors"));
    }

    [Test]
    public void ExploreWritesOneSelfContainedPageForEitherDataset()
    {
        string a = _dir.File("shapes.html"), b = _dir.File("mnist.html");
        Assert.That(CliRun.Run(["explore", "--checkpoint", _shapesModel, "--codes", "100", "--out", a]).Code,
            Is.EqualTo(ExitCodes.Ok));
        Assert.That(CliRun.Run(["explore", "--checkpoint", _mnistModel, "--data", TestPaths.Slice, "--out", b]).Code,
            Is.EqualTo(ExitCodes.Ok));
        foreach (var page in new[] { a, b })
        {
            string html = File.ReadAllText(page);
            Assert.That(html, Does.Contain("<script id=\"vae-decoder\">").And.Contain("function vaeDecode"));
            Assert.That(html, Does.Not.Contain("http"));
        }
        Assert.That(File.ReadAllText(a), Does.Contain("shapes"));
    }

    [Test]
    public void TraverseOfAShapesModelLabelsRowsByFactor()
    {
        var r = CliRun.Run(["traverse", "--checkpoint", _shapesModel, "--steps", "3", "--scale", "1", "--threads", "2",
            "--out", _dir.File("t.png")]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
        Assert.That(r.Out, Does.Contain("carries most of:").Or.Contain("inactive"));
        Assert.That(r.Out, Does.Contain("others at μ of test image 0 (a square)"));
    }
}
