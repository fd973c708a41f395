using Vae.Model;
using Vae.Tests.Data;

namespace Vae.Tests.Model;

/// <summary>Encoder heads: extra linear outputs of the last hidden layer, saved and loaded with the model.</summary>
public class HeadTests
{
    private static readonly VaeConfig WithHead = new() { Hidden = [16, 8], Latent = 3, Heads = [new HeadSpec("classifier", 1)] };

    [Test]
    public void HeadReadsTheLastHiddenLayer()
    {
        var model = new VaeModel(WithHead);
        model.Initialize(new Rng(1));
        var tape = new Tape();
        var x = new Tensor(5, 784);
        x.Data.Fill(0.3f);
        var enc = model.Encode(tape, x);
        var logit = model.Head(tape, "classifier", enc.Hidden);
        Assert.That((logit.Rows, logit.Cols), Is.EqualTo((5, 1)));
        Assert.That((enc.Hidden.Rows, enc.Hidden.Cols), Is.EqualTo((5, 8)));
        Assert.That(() => model.Head(tape, "other", enc.Hidden), Throws.ArgumentException.With.Message.Contains("classifier"));
        Assert.That(model.Parameters.Count, Is.EqualTo(WithHead.ParameterCount()));
        Assert.That(model.Parameters.Count - new VaeModel(WithHead with { Heads = [] }).Parameters.Count, Is.EqualTo(8 + 1));
    }

    [Test]
    public void HeadsLeaveTheOtherWeightsAsTheyWere()
    {
        // Heads are declared and initialised after every other layer, so adding one does not move the others' values.
        var plain = new VaeModel(WithHead with { Heads = [] });
        var headed = new VaeModel(WithHead);
        plain.Initialize(new Rng(4));
        headed.Initialize(new Rng(4));
        Assert.That(headed.Parameters.Values[..plain.Parameters.Count].ToArray(), Is.EqualTo(plain.Parameters.Values.ToArray()));
    }

    [Test]
    public void CheckpointKeepsTheHead()
    {
        using var dir = new TempDir();
        var model = new VaeModel(WithHead);
        model.Initialize(new Rng(2));
        Checkpoint.Save(dir.File("m.safetensors"), model);
        var back = Checkpoint.Load(dir.File("m.safetensors"));
        Assert.That(back.Model.Config.Heads, Is.EqualTo(WithHead.Heads));
        Assert.That(back.Model.Parameters["head.classifier.weight"].Data.ToArray(),
            Is.EqualTo(model.Parameters["head.classifier.weight"].Data.ToArray()));
    }

    [Test]
    public void BadHeadsAreRefused()
    {
        Assert.That(() => new VaeModel(WithHead with { Heads = [new HeadSpec("a b", 1)] }), Throws.ArgumentException);
        Assert.That(() => new VaeModel(WithHead with { Heads = [new HeadSpec("c", 0)] }), Throws.ArgumentException);
        Assert.That(() => new VaeModel(WithHead with { Heads = [new HeadSpec("c", 1), new HeadSpec("c", 2)] }), Throws.ArgumentException);
    }
}
