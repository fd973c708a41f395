using System.Diagnostics;
using Vae.Model;
using Vae.Nn;
using Vae.Tests.Data;
using Vae.Tests.IO;
using Vae.Training;

namespace Vae.Tests.Robustness;

/// <summary>
/// The mutation fuzzer of IO/FuzzTests aimed one level up, at <see cref="Checkpoint.Load"/> on a real resumable
/// checkpoint (weights, Adam moments, state.* metadata): besides the safetensors reader this reaches the metadata
/// parsers (configuration, optimizer, training state) and the shape checks. Every case loads or fails with
/// InvalidInputFileException.
/// </summary>
public class CheckpointFuzzTests
{
    [Test]
    public void ResumableCheckpointSurvivesMutations()
    {
        var (train, _) = Vae.Data.Mnist.Load(TestPaths.Slice);
        var model = new VaeModel(new VaeConfig { Hidden = [4], Latent = 2 });
        var trainer = new Trainer(model, new TrainOptions { BatchSize = 100, Threads = 1 }, train.Count);
        trainer.RunEpoch(train, () => trainer.State.BatchInEpoch >= 2);
        using var temp = new TempDir();
        string seedPath = temp.File("seed.safetensors"), path = temp.File("case.safetensors");
        Checkpoint.Save(seedPath, model, new Dictionary<string, string> { ["train.seed"] = "1" }, trainer.Optimizer, trainer.Capture());
        byte[] seedFile = File.ReadAllBytes(seedPath);
        Assert.That(Checkpoint.Load(seedPath).State, Is.Not.Null);

        var clock = Stopwatch.StartNew();
        int loaded = 0, rejected = 0;
        for (int seed = 7_000_000; seed < 7_001_000; seed++)
        {
            File.WriteAllBytes(path, FuzzTests.Mutate(seedFile, seed, isSafeTensors: true));
            try { Checkpoint.Load(path); loaded++; }
            catch (InvalidInputFileException) { rejected++; }
            catch (Exception e)
            {
                Assert.Fail($"case seed {seed} threw {e.GetType().Name} instead of InvalidInputFileException: {e.Message}");
            }
        }
        TestContext.Out.WriteLine($"checkpoint: {loaded} loaded, {rejected} rejected in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(rejected, Is.GreaterThan(500));
    }
}
