using System.Security.Cryptography;
using Vae.Cli;
using Vae.Cli.Commands;
using Vae.Data;
using Vae.Engine;
using Vae.Imaging;
using Vae.Lecture;
using Vae.Model;
using Vae.Tests.Data;
using Vae.Training;

namespace Vae.Tests.Lecture;

/// <summary>
/// The lecture commands end to end on tiny models (hidden 16, a few batches of the committed MNIST slice):
/// exit codes, files written, picture sizes, the DOT graph.
/// </summary>
public class LectureCommandTests
{
    private TempDir _dir = null!;
    private string _data = null!, _model3 = null!, _model2 = null!;

    [OneTimeSetUp]
    public void TrainTinyModels()
    {
        _dir = new TempDir();
        _data = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "mnist-slice");
        var (train, _) = Mnist.Load(_data);
        _model3 = Train(train, latent: 3, "tiny3.safetensors");
        _model2 = Train(train, latent: 2, "tiny2.safetensors");
    }

    [OneTimeTearDown]
    public void Cleanup() => _dir.Dispose();

    private string Train(ImageSet train, int latent, string name)
    {
        var model = new VaeModel(new VaeConfig { Hidden = [16], Latent = latent });
        var trainer = new Trainer(model, new TrainOptions { Epochs = 1, BatchSize = 50, Threads = 1 }, train.Count);
        trainer.RunEpoch(train);
        string path = _dir.File(name);
        Checkpoint.Save(path, model);
        return path;
    }

    private static PngImage ReadPng(string path) => Png.Decode(File.ReadAllBytes(path));

    private static int Dispatch(params string[] args) => Dispatcher.Run(args);

    [Test]
    public void TraverseDrawsOneRowPerDimension()
    {
        string png = _dir.File("traverse.png");
        int rc = new TraverseCommand().Run(["--checkpoint", _model3, "--data", _data, "--dims", "0,2", "--steps", "5",
            "--scale", "1", "--threads", "1", "--out", png]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        var image = ReadPng(png);
        // Title and value lines (2 × (16 + 8) px), two rows of 28-px cells with 2-px borders, 4 px below.
        Assert.That(image.Height, Is.EqualTo(48 + (2 * 30 + 2) + 4));
        Assert.That(image.Width, Is.GreaterThanOrEqualTo(5 * 30 + 2));
    }

    [Test]
    public void TraverseAroundATestDigitWithAllDimensions()
    {
        string png = _dir.File("traverse-all.png");
        int rc = new TraverseCommand().Run(["--checkpoint", _model3, "--data", _data, "--from-test-index", "3",
            "--steps", "3", "--scale", "1", "--threads", "1", "--out", png]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        Assert.That(ReadPng(png).Height, Is.EqualTo(48 + (3 * 30 + 2) + 4));
    }

    [TestCase("--dims", "99")]
    [TestCase("--dims", "1,1")]
    [TestCase("--steps", "1")]
    [TestCase("--from-test-index", "5000")]
    public void TraverseRejectsBadOptions(string option, string value)
    {
        int rc = Dispatch("traverse", "--checkpoint", _model3, "--data", _data, option, value, "--out", _dir.File("bad.png"));
        Assert.That(rc, Is.EqualTo(ExitCodes.BadInput));
    }

    [Test]
    public void TraverseStartsAtATestImageUnlessToldZeroAndRefusesBoth()
    {
        string a = _dir.File("from-default.png"), b = _dir.File("from-0.png"), c = _dir.File("from-zero.png");
        string[] common = ["--checkpoint", _model3, "--data", _data, "--steps", "3", "--scale", "1", "--threads", "1"];
        Assert.That(new TraverseCommand().Run([.. common, "--out", a]), Is.EqualTo(ExitCodes.Ok));
        Assert.That(new TraverseCommand().Run([.. common, "--from-test-index", "0", "--out", b]),
            Is.EqualTo(ExitCodes.Ok));
        Assert.That(new TraverseCommand().Run([.. common, "--from-zero", "--out", c]), Is.EqualTo(ExitCodes.Ok));
        Assert.That(File.ReadAllBytes(a), Is.EqualTo(File.ReadAllBytes(b)));
        Assert.That(File.ReadAllBytes(a), Is.Not.EqualTo(File.ReadAllBytes(c)));
        int rc = Dispatch(["traverse", .. common, "--from-zero", "--from-test-index", "2",
            "--out", _dir.File("bad.png")]);
        Assert.That(rc, Is.EqualTo(ExitCodes.BadInput));
    }

    [Test]
    public void LatentMapOfA2DModelWritesScatterAndManifold()
    {
        string outDir = Path.Combine(_dir.Path, "map2");
        int rc = new LatentMapCommand().Run(["--checkpoint", _model2, "--data", _data, "--grid", "5", "--threads", "1", "--out", outDir]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        var scatter = ReadPng(Path.Combine(outDir, "latent_scatter.png"));
        Assert.That((scatter.Width, scatter.Height, scatter.Channels), Is.EqualTo((64 + 600 + 100, 56 + 600 + 52, 3)));
        var manifold = ReadPng(Path.Combine(outDir, "manifold.png"));
        Assert.That((manifold.Width, manifold.Height), Is.EqualTo((5 * 28, 5 * 28)));
        var rangeGrid = ReadPng(Path.Combine(outDir, "range_grid.png"));
        Assert.That((rangeGrid.Width, rangeGrid.Height), Is.EqualTo((5 * 28, 5 * 28)));
    }

    [Test]
    public void LatentMapDrawsSigmaEllipsesAndHonoursAFixedRange()
    {
        string a = Path.Combine(_dir.Path, "ell"), b = Path.Combine(_dir.Path, "noell");
        string c = Path.Combine(_dir.Path, "r9");
        string[] common = ["--checkpoint", _model2, "--data", _data, "--grid", "4", "--threads", "1"];
        // The tiny model's σ is near 1, so its ellipses show on axes of ±3.
        Assert.That(new LatentMapCommand().Run([.. common, "--range", "3", "--ellipses", "5", "--out", a]),
            Is.EqualTo(ExitCodes.Ok));
        Assert.That(new LatentMapCommand().Run([.. common, "--range", "3", "--ellipses", "0", "--out", b]),
            Is.EqualTo(ExitCodes.Ok));
        Assert.That(new LatentMapCommand().Run([.. common, "--range", "9", "--out", c]), Is.EqualTo(ExitCodes.Ok));
        string Bytes(string dir, string f) =>
            Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, f))));
        Assert.That(Bytes(a, "latent_scatter.png"), Is.Not.EqualTo(Bytes(b, "latent_scatter.png")));
        Assert.That(Bytes(a, "range_grid.png"), Is.EqualTo(Bytes(b, "range_grid.png")));
        Assert.That(Bytes(c, "range_grid.png"), Is.Not.EqualTo(Bytes(b, "range_grid.png")));
    }

    [Test]
    public void LatentMapOfA3DModelWritesOnlyTheScatter()
    {
        string outDir = Path.Combine(_dir.Path, "map3");
        int rc = new LatentMapCommand().Run(["--checkpoint", _model3, "--data", _data, "--threads", "1", "--out", outDir]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        Assert.That(File.Exists(Path.Combine(outDir, "latent_scatter.png")), Is.True);
        Assert.That(File.Exists(Path.Combine(outDir, "manifold.png")), Is.False);
        Assert.That(Dispatch("latent-map", "--checkpoint", _model3, "--data", _data, "--dims", "0,7", "--out", outDir),
            Is.EqualTo(ExitCodes.BadInput));
    }

    [Test]
    public void ManifoldIsTwentyByTwentyDigits()
    {
        var model = Checkpoint.Load(_model2).Model;
        var image = LatentMap.Manifold(model);
        Assert.That((image.Width, image.Height), Is.EqualTo((560, 560)));
    }

    [Test]
    public void InterpolateWritesTwoRowsWithTheOriginalsAtTheEnds()
    {
        string png = _dir.File("interpolate.png");
        int rc = new InterpolateCommand().Run(["--checkpoint", _model3, "--data", _data, "--a", "0", "--b", "1",
            "--steps", "4", "--scale", "1", "--out", png]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        var image = ReadPng(png);
        Assert.That(image.Height, Is.EqualTo(48 + (2 * 30 + 2) + 4));
        Assert.That(image.Width, Is.GreaterThanOrEqualTo(6 * 30 + 2));
        Assert.That(Dispatch("interpolate", "--checkpoint", _model3, "--data", _data, "--a", "0", "--b", "200", "--out", png),
            Is.EqualTo(ExitCodes.BadInput));
    }

    [Test]
    public void InterpolationStartsAndEndsAtTheReconstructions()
    {
        var model = Checkpoint.Load(_model3).Model;
        var (_, test) = Mnist.Load(_data);
        var path = Interpolation.Latent(model, test, 2, 5, 3);
        var ends = LatentSizeComparison.Reconstruct(model, test, 6);
        Assert.That(path.AsSpan(0, 784).ToArray(), Is.EqualTo(ends.AsSpan(2 * 784, 784).ToArray()).Within(1e-5f));
        Assert.That(path.AsSpan(2 * 784, 784).ToArray(), Is.EqualTo(ends.AsSpan(5 * 784, 784).ToArray()).Within(1e-5f));
    }

    [Test]
    public void CompareLatentsShowsOnePanelPerSizeAndTheGroundTruth()
    {
        string png = _dir.File("compare.png");
        int rc = new CompareLatentsCommand().Run(["--data", _data, "--dims", "2,3", "--epochs", "1", "--hidden", "16",
            "--batch-size", "100", "--count", "20", "--threads", "1", "--out", png]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        var image = ReadPng(png);
        int panel = 10 * 29 + 1;   // 10 digits of 28 px with 1-px borders
        Assert.That(image.Width, Is.EqualTo(3 * panel + 4 * 24));
        Assert.That(image.Height, Is.EqualTo(16 + 16 + (2 * 29 + 1) + 12));
        Assert.That(Dispatch("compare-latents", "--data", _data, "--model", "gan", "--out", png), Is.EqualTo(ExitCodes.BadInput));
    }

    [Test]
    public void GradcheckPasses() =>
        Assert.That(new GradCheckCommand().Run(["--seed", "2"]), Is.EqualTo(ExitCodes.Ok));

    [Test]
    public void GraphHasOneNodePerOpAndParsesAsADigraph()
    {
        string dot = _dir.File("step.dot");
        int rc = new GraphCommand().Run(["--hidden", "32,16", "--latent", "4", "--batch-size", "8", "--out", dot]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));

        var model = new VaeModel(new VaeConfig { Hidden = [32, 16], Latent = 4 });
        var tape = new Tape();
        ElboObjective.Standard.Loss(tape, model, new Tensor(8, 784), new Tensor(8, 4));   // the loss, as the graph shows it

        var lines = File.ReadAllLines(dot);
        Assert.That(lines[0], Is.EqualTo("digraph step {"));
        Assert.That(lines[^1], Is.EqualTo("}"));
        var opNodes = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^  n\d+ \[label=")).ToList();
        Assert.That(opNodes, Has.Count.EqualTo(tape.Count));
        var ops = tape.Nodes.Select(n => n.Name).ToList();
        for (int i = 0; i < ops.Count; i++) Assert.That(opNodes[i], Does.StartWith($"  n{i} [label=\"{ops[i]}"));
        // Every edge joins declared nodes; every op has as many incoming edges as inputs.
        var declared = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^  ([nl]\d+) \[")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).ToHashSet();
        var edges = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^  ([nl]\d+) -> (n\d+);$")).Where(m => m.Success).ToList();
        Assert.That(edges.All(e => declared.Contains(e.Groups[1].Value) && declared.Contains(e.Groups[2].Value)), Is.True);
        Assert.That(edges, Has.Count.EqualTo(tape.Nodes.Sum(n => n.Inputs.Count())));
        Assert.That(lines.Count(l => l.Contains("encoder.0.weight")), Is.EqualTo(1));
    }
}
