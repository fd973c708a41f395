using Vae.Engine;
using Vae.IO;
using Vae.Model;
using Vae.Nn;
using Vae.Tests.Data;

namespace Vae.Tests.Training;

public class CheckpointTests
{
    [Test]
    public void DefaultModelUsesPyTorchExampleNamesAndShapes()
    {
        using var dir = new TempDir();
        var model = new VaeModel(new VaeConfig());
        model.Initialize(new Rng(1));
        string path = dir.File("m.safetensors");
        Checkpoint.Save(path, model);
        var file = SafeTensors.Read(path);
        var shapes = file.Tensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.That(shapes, Is.EqualTo(new Dictionary<string, int[]>
        {
            ["fc1.weight"] = [400, 784], ["fc1.bias"] = [400],
            ["fc21.weight"] = [20, 400], ["fc21.bias"] = [20],
            ["fc22.weight"] = [20, 400], ["fc22.bias"] = [20],
            ["fc3.weight"] = [400, 20], ["fc3.bias"] = [400],
            ["fc4.weight"] = [784, 400], ["fc4.bias"] = [784],
        }));
        Assert.That(file.Metadata["model"], Is.EqualTo("vae"));
        Assert.That(file.Metadata["hidden"], Is.EqualTo("400"));
        // PyTorch's init bound for fc1 is 1/√784.
        Assert.That(file["fc1.weight"].Data.Max(Math.Abs), Is.LessThanOrEqualTo(1f / 28f));
    }

    [Test]
    public void RoundTripGivesTheSameModelOptimizerAndState()
    {
        using var dir = new TempDir();
        var config = new VaeConfig { Hidden = [24, 12], Latent = 3, Activation = Activation.Tanh };
        var model = new VaeModel(config);
        model.Initialize(new Rng(2));
        var adam = new Adam(model.Parameters.Count);
        for (int i = 0; i < adam.M.Length; i++) { adam.M[i] = i * 1e-3f; adam.V[i] = i * 1e-6f; }
        adam.Restore(17);
        var state = new Vae.Training.TrainingState { Epoch = 2, BatchInEpoch = 5, ShuffleAtEpochStart = new Rng(3).GetState(), Noise = new Rng(4).GetState() };
        state.EpochSums.Add(100.5, 90.25, 10.25, 64);
        string path = dir.File("r.safetensors");
        Checkpoint.Save(path, model, null, adam, state);

        var back = Checkpoint.Load(path);
        Assert.That(back.Model.Config.Hidden, Is.EqualTo(config.Hidden));
        Assert.That(back.Model.Config.Activation, Is.EqualTo(Activation.Tanh));
        Assert.That(back.Model.Parameters.Values.ToArray(), Is.EqualTo(model.Parameters.Values.ToArray()));
        Assert.That(back.Optimizer!.M, Is.EqualTo(adam.M));
        Assert.That(back.Optimizer.V, Is.EqualTo(adam.V));
        Assert.That(back.Optimizer.Step, Is.EqualTo(17));
        Assert.That(back.State!.Epoch, Is.EqualTo(2));
        Assert.That(back.State.BatchInEpoch, Is.EqualTo(5));
        Assert.That(back.State.EpochSums.Loss, Is.EqualTo(state.EpochSums.Loss));
        Assert.That(back.State.Noise, Is.EqualTo(state.Noise));

        // Same forward output from the reloaded weights.
        var x = new Tensor(2, 784); new Rng(5).FillGaussian(x.Data);
        var eps = new Tensor(2, 3);
        var a = ElboObjective.Standard.Loss(new Tape(), model, x, eps).Loss.Value;
        var b = ElboObjective.Standard.Loss(new Tape(), back.Model, x, eps).Loss.Value;
        Assert.That(b, Is.EqualTo(a));
    }

    [Test]
    public void MismatchedShapesAndMissingTensorsAreNamed()
    {
        using var dir = new TempDir();
        var model = new VaeModel(new VaeConfig { Hidden = [8], Latent = 2 });
        string path = dir.File("bad.safetensors");
        var tensors = model.NamedParameters().Select(p => (p.Name, p.Name == "fc3.weight" ? new[] { 9, 2 } : p.Shape,
            (ReadOnlyMemory<float>)new float[p.Name == "fc3.weight" ? 18 : p.Tensor.Length])).ToList();
        SafeTensors.Write(path, tensors, model.Config.ToMetadata());
        var e = Assert.Throws<InvalidInputFileException>(() => Checkpoint.Load(path));
        Assert.That(e!.Message, Does.Contain("fc3.weight").And.Contain("[8,2]"));

        SafeTensors.Write(path, tensors.Where(t => t.Name != "fc4.bias").Select(t => t.Name == "fc3.weight" ? (t.Name, new[] { 8, 2 }, (ReadOnlyMemory<float>)new float[16]) : t).ToList(), model.Config.ToMetadata());
        e = Assert.Throws<InvalidInputFileException>(() => Checkpoint.Load(path));
        Assert.That(e!.Message, Does.Contain("fc4.bias"));

        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["model"] = "vae" });
        e = Assert.Throws<InvalidInputFileException>(() => Checkpoint.Load(path));
        Assert.That(e!.Message, Does.Contain("not a Vae checkpoint"));
    }
}
