using Vae.Data;
using Vae.Engine;
using Vae.Model;
using Vae.Training;

namespace Vae.Tests.Training;

/// <summary>The step profile of `vae bench train --profile`: it sees every phase and op, and changes nothing.</summary>
public class StepProfileTests
{
    private static readonly VaeConfig Small = new() { Hidden = [64], Latent = 4 };

    [Test]
    public void ProfilingTimesEveryPhaseAndOpAndLeavesTheResultsUnchanged()
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        var options = new TrainOptions { BatchSize = 32, Seed = 3, Threads = 2 };
        var plain = new VaeModel(Small);
        new Trainer(plain, options, train.Count).RunEpoch(train);

        var profiled = new VaeModel(Small);
        var trainer = new Trainer(profiled, options, train.Count) { Profile = new StepProfile() };
        trainer.RunEpoch(train);

        Assert.That(profiled.Parameters.Values.ToArray(), Is.EqualTo(plain.Parameters.Values.ToArray()).AsCollection,
            "the clock reads do not change a bit of the training");
        var profile = trainer.Profile!;
        Assert.That(profile.Steps, Is.EqualTo(trainer.BatchesPerEpoch(train.Count)));
        foreach (var phase in Enum.GetValues<StepPhase>())
            Assert.That(profile.Seconds(phase), Is.GreaterThan(0), phase.ToString());
        var ops = profile.Ops.Times();
        // Encoder, μ, logvar, decoder and output layers: 5 dense layers a step, each with a backward.
        var linear = ops.Single(t => t.Kind == OpKind.Linear && !t.Backward);
        Assert.That(linear.Calls, Is.EqualTo(5 * profile.Steps));
        Assert.That(ops.Single(t => t.Kind == OpKind.Linear && t.Backward).Calls, Is.EqualTo(5 * profile.Steps));
        Assert.That(ops.Select(t => t.Kind), Does.Contain(OpKind.BceWithLogits).And.Contain(OpKind.KlStandardNormal));
        Assert.That(ops.Select(t => t.Seconds), Is.Ordered.Descending);
        double opSeconds = ops.Sum(t => t.Seconds);
        double tapeSeconds = profile.Seconds(StepPhase.Forward) + profile.Seconds(StepPhase.Backward);
        Assert.That(opSeconds, Is.LessThanOrEqualTo(tapeSeconds * 1.0001), "ops are inside forward and backward");

        profile.Reset();
        Assert.That(profile.Steps, Is.Zero);
        Assert.That(profile.Ops.Times(), Is.Empty);
    }
}
