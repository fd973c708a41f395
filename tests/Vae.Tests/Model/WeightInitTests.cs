using Vae.Data;
using Vae.Model;
using Vae.Nn;
using Vae.Tests.Data;

namespace Vae.Tests.Model;

/// <summary>The three initialisations (--init default|glorot|burda): their bounds and variances, the burda output
/// bias, determinism per seed, and what a run records and resumes.</summary>
public class WeightInitTests
{
    private static readonly VaeConfig Small = new() { Hidden = [16, 8], Latent = 3, Activation = Activation.Tanh };

    private static Tensor Named(VaeModel model, string name) =>
        model.NamedParameters().Single(p => p.Name == name).Tensor;

    [TestCase(784, 200)]
    [TestCase(200, 50)]
    public void GlorotIsUniformWithinItsBoundWithVarianceTwoOverFanInPlusFanOut(int fanIn, int fanOut)
    {
        var parameters = new ParameterSet();
        var layer = new Linear(parameters, "fc", fanIn, fanOut);
        parameters.Allocate();
        layer.Bias.Data.Fill(5f);
        layer.InitializeGlorot(new Rng(3));
        float bound = MathF.Sqrt(6f / (fanIn + fanOut));
        var w = layer.Weight.Data.ToArray();
        Assert.That(w.Max(), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.99f * bound));
        Assert.That(w.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.99f * bound));
        double mean = w.Average(v => (double)v), variance = w.Average(v => (v - mean) * (v - mean));
        // The sample variance of n uniform draws has relative standard error √(0.8/n) (μ₄ = a⁴/5): allow 3.5 of them.
        Assert.That(variance, Is.EqualTo(2.0 / (fanIn + fanOut)).Within(350 * Math.Sqrt(0.8 / w.Length)).Percent);
        Assert.That(Math.Abs(mean), Is.LessThan(4 * bound / Math.Sqrt(3 * w.Length)));
        Assert.That(layer.Bias.Data.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void DefaultIsPyTorchsBoundOnWeightsAndBiases()
    {
        var model = new VaeModel(Small);
        model.Initialize(new Rng(2), WeightInit.Default);
        var w = Named(model, "encoder.0.weight").Data.ToArray();
        var b = Named(model, "encoder.0.bias").Data.ToArray();
        float bound = 1f / MathF.Sqrt(784);
        Assert.That(w.Max(), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.99f * bound));
        Assert.That(b, Is.All.InRange(-bound, bound));
        Assert.That(b.Count(v => v != 0), Is.EqualTo(16), "PyTorch's biases are drawn too");
    }

    [Test]
    public void BurdaIsGlorotWithTheMeanImageBiasAndDoubledLogVarWeights()
    {
        var glorot = new VaeModel(Small);
        var burda = new VaeModel(Small);
        glorot.Initialize(new Rng(5), WeightInit.Glorot);
        var bias = Enumerable.Range(0, 784).Select(i => i / 100f - 3f).ToArray();
        burda.Initialize(new Rng(5), WeightInit.Burda, bias);
        foreach (var (name, _, tensor) in burda.NamedParameters())
        {
            var g = Named(glorot, name).Data.ToArray();
            var expected = name switch
            {
                "fc_out.bias" => bias,
                "fc_logvar.weight" => g.Select(v => 2 * v).ToArray(),   // their log σ = ½ our logvar
                _ => g,
            };
            Assert.That(tensor.Data.ToArray(), Is.EqualTo(expected), name);
        }
        Assert.That(Named(glorot, "fc_out.bias").Data.ToArray(), Is.All.EqualTo(0f));
        Assert.That(() => new VaeModel(Small).Initialize(new Rng(5), WeightInit.Burda, new float[10]),
            Throws.ArgumentException.With.Message.Contains("784"));
    }

    [Test]
    public void MeanPixelLogitsAreTheClippedLogitOfTheMeanIntensity()
    {
        // 4-pixel images: means 0, 1, ½ and 0.2 → logit(0.001), logit(0.999), 0, log(0.2/0.8).
        var set = new ImageSet([0, 255, 255, 51, 0, 255, 0, 51], [0, 1], width: 2, height: 2);
        var logits = ModelInitialization.MeanPixelLogits(set);
        Assert.That(logits[0], Is.EqualTo(MathF.Log(0.001f / 0.999f)).Within(1e-4));
        Assert.That(logits[1], Is.EqualTo(-logits[0]).Within(1e-6));
        Assert.That(logits[2], Is.EqualTo(0f).Within(1e-6));
        Assert.That(logits[3], Is.EqualTo(MathF.Log(0.25f)).Within(1e-6));
    }

    [TestCase(WeightInit.Default)]
    [TestCase(WeightInit.Glorot)]
    [TestCase(WeightInit.Burda)]
    public void EveryInitIsDeterministicPerSeed(WeightInit init)
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        float[] Weights(ulong seed) => new Trainer(new VaeModel(Small), new TrainOptions { Seed = seed, Init = init },
            train).Model.Parameters.Values.ToArray();
        Assert.That(Weights(7), Is.EqualTo(Weights(7)));
        Assert.That(Weights(8), Is.Not.EqualTo(Weights(7)));
    }

    [Test]
    public void BurdaNeedsTheTrainingImages()
    {
        var options = new TrainOptions { Init = WeightInit.Burda };
        Assert.That(() => new Trainer(new VaeModel(Small), options, 300),
            Throws.ArgumentException.With.Message.Contains("training images"));
    }

    [Test]
    public void InitRoundTripsThroughMetadataAndOldCheckpointsMeanDefault()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var run = new RunConfig("mnist", Small, new TrainOptions { Init = WeightInit.Glorot });
        var m = run.ToMetadata(train);
        foreach (var (k, v) in Small.ToMetadata()) m[k] = v;
        Assert.That(m["train.init"], Is.EqualTo("glorot"));
        Assert.That(RunConfig.FromMetadata(m, 1, 1).Options.Init, Is.EqualTo(WeightInit.Glorot));
        m.Remove("train.init");
        Assert.That(RunConfig.FromMetadata(m, 1, 1).Options.Init, Is.EqualTo(WeightInit.Default));
        m["train.init"] = "xavier";
        Assert.That(() => RunConfig.FromMetadata(m, 1, 1),
            Throws.TypeOf<FormatException>().With.Message.Contains("train.init").And.Message.Contains("xavier"));
    }

    [Test]
    public void ABurdaInitRunResumesToTheSameBits()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var run = new RunConfig("mnist", Small, new TrainOptions
        {
            Epochs = 2, BatchSize = 64, Threads = 1, Init = WeightInit.Burda,
        });
        var whole = new Trainer(new VaeModel(run.Model), run.Options, train);
        whole.RunEpoch(train);
        whole.RunEpoch(train);

        using var dir = new TempDir();
        var first = new Trainer(new VaeModel(run.Model), run.Options, train);
        first.RunEpoch(train);
        Checkpoint.Save(dir.File("resume.safetensors"), first.Model, run.ToMetadata(train), first.Optimizer,
            first.Capture());
        var saved = ResumableRun.Load(dir.File("resume.safetensors"), epochs: 2, threads: 1);
        Assert.That(saved.Config.Options.Init, Is.EqualTo(WeightInit.Burda));
        var second = saved.Continue(dir.File("resume.safetensors"), train);
        second.RunEpoch(train);
        Assert.That(second.Model.Parameters.Values.ToArray(), Is.EqualTo(whole.Model.Parameters.Values.ToArray()));
    }
}
