using Vae.Data;
using Vae.Model;
using Vae.Training;

namespace Vae.Tests.Training;

/// <summary>One epoch of the default VAE on the real 60,000 digits (CI fetches MNIST first; skipped without it).</summary>
public class FullDataSmokeTest
{
    [Test, Category("FullData")]
    public void OneEpochOnRealMnistReachesTestLossBelow130()
    {
        string? dir = TestPaths.FullMnist();
        if (dir == null) Assert.Ignore("MNIST not fetched (run 'vae fetch-mnist'); .ci/run does");
        var (train, test) = Mnist.Load(dir!);
        var model = new VaeModel(new VaeConfig());
        var trainer = new Trainer(model, new TrainOptions { Epochs = 1 }, train.Count);
        var epoch = trainer.RunEpoch(train);
        var eval = Evaluator.Of(model, test);
        TestContext.Out.WriteLine($"train {epoch.Train.MeanLoss:F2}, test {eval.Loss:F2}, {epoch.ImagesPerSecond:F0} img/s");
        Assert.That(eval.Loss, Is.LessThan(130));
        Assert.That(eval.Images, Is.EqualTo(10_000));
    }
}
