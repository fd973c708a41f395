using Vae.Data;
using Vae.Model;
using Vae.Training;

namespace Vae.Tests.Training;

public class ImportanceWeightedTests
{
    [Test]
    public void MoreSamplesGiveATighterBoundAndOneSampleIsTheElbo()
    {
        var (train, test) = Mnist.Load(TestPaths.Slice);
        var model = new VaeModel(new VaeConfig { Hidden = [32], Latent = 4 });
        var trainer = new Trainer(model, new TrainOptions { BatchSize = 30 }, train.Count);
        for (int e = 0; e < 3; e++) trainer.RunEpoch(train);

        double elbo = Evaluator.Of(model, test).Loss;
        double k1 = ImportanceWeighted.NegativeLogLikelihood(model, test, k: 1);
        double k50 = ImportanceWeighted.NegativeLogLikelihood(model, test, k: 50);
        // K = 1 is a one-sample estimate of the negative ELBO (other ε than Evaluate's, so only close);
        // the K-sample bound is tighter: −log p(x) ≤ IWAE_K ≤ IWAE_1 in expectation.
        Assert.That(k1, Is.EqualTo(elbo).Within(0.02 * elbo), $"K=1 {k1:F2} vs ELBO {elbo:F2}");
        Assert.That(k50, Is.LessThan(k1 - 1), $"K=50 {k50:F2} vs K=1 {k1:F2}");
        Assert.That(k50, Is.GreaterThan(0));
        Assert.That(ImportanceWeighted.NegativeLogLikelihood(model, test, k: 50), Is.EqualTo(k50), "seeded: same estimate again");
    }
}
