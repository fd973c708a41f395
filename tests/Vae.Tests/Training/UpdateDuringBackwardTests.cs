using Vae.Data;
using Vae.Engine;
using Vae.Model;
using Vae.Nn;
using Vae.Objectives;
using Vae.Training;

namespace Vae.Tests.Training;

/// <summary>Adam inside the backward pass (each parameter updated as soon as its gradient is final) against Adam after
/// it: the same bits, for the ELBO and for the IWAE bound.</summary>
public class UpdateDuringBackwardTests
{
    [Test]
    public void BackwardReportsEachInputOnceAfterItsLastUse()
    {
        // y = tanh(x·W) + x·W: W feeds one matmul, whose output feeds two ops. W's gradient is final only after the
        // matmul's backward, which runs after both consumers of its output.
        var tape = new Tape { Threads = 1 };
        var x = Tensor.FromArray([1f, 2f], 1, 2);
        var w = Tensor.FromArray([0.5f, -1f, 0.25f, 2f], 2, 2, requiresGrad: true, name: "w");
        var h = tape.MatMul(x, w, transB: true);
        var loss = tape.Sum(tape.Add(tape.Tanh(h), h));
        var seen = new List<(string Name, float[] Grad)>();
        tape.Backward(loss, t => seen.Add((t.Name, t.Grad.ToArray())));
        var reported = seen.Where(s => s.Name == "w").ToList();
        Assert.That(reported, Has.Count.EqualTo(1));
        Assert.That(reported[0].Grad, Is.EqualTo(w.Grad.ToArray()), "the gradient was final when reported");
        Assert.That(seen.Select(s => s.Name), Does.Contain(h.Name), "h, read by two ops, is reported once too");
        Assert.That(seen.Count(s => s.Name == h.Name), Is.EqualTo(1));
    }

    [Test]
    public void AdamSliceBySliceEqualsOneUpdate()
    {
        var rng = new Rng(3);
        var p1 = new float[50_000]; rng.FillGaussian(p1);
        var p2 = (float[])p1.Clone();
        var whole = new Adam(p1.Length) { Threads = 2 };
        var sliced = new Adam(p1.Length) { Threads = 2 };
        int[] cuts = [0, 7, 20_000, 20_013, 50_000];
        for (int s = 0; s < 3; s++)
        {
            var g = new float[p1.Length]; rng.FillGaussian(g);
            var g2 = (float[])g.Clone();
            whole.Update(p1, g);
            sliced.BeginStep();
            for (int c = cuts.Length - 2; c >= 0; c--)   // any order
                sliced.UpdateSlice(p2.AsSpan(cuts[c], cuts[c + 1] - cuts[c]), g2.AsSpan(cuts[c], cuts[c + 1] - cuts[c]),
                    cuts[c]);
            Assert.That(g2, Is.All.EqualTo(0f), "the slices consume their gradients");
        }
        Assert.That(p2, Is.EqualTo(p1));
        Assert.That(sliced.M, Is.EqualTo(whole.M));
        Assert.That(sliced.V, Is.EqualTo(whole.V));
    }

    [TestCase(1, false)]
    [TestCase(5, true)]
    public void TrainingGivesTheSameBitsEitherWay(int k, bool iwae)
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        train = train.WithDynamicBinarization(5);
        IObjective objective = iwae ? new IwaeObjective { Samples = k } : ElboObjective.Standard;
        float[] Run(bool during)
        {
            var model = new VaeModel(new VaeConfig { Hidden = [32, 16], Latent = 4, Activation = Activation.Tanh });
            var options = new TrainOptions { BatchSize = 20, Threads = 1, Objective = objective };
            var trainer = new Trainer(model, options, train);
            Assert.That(trainer.UpdateDuringBackward, Is.True, "the default at one thread");
            trainer.UpdateDuringBackward = during;
            trainer.RunEpoch(train);
            return [.. model.Parameters.Values, .. trainer.Optimizer.M, .. trainer.Optimizer.V];
        }
        Assert.That(Run(during: true), Is.EqualTo(Run(during: false)));
    }

    [Test]
    public void TwoThreadsUpdateAfterTheBackwardPass()
    {
        var options = new TrainOptions { BatchSize = 20, Threads = 2 };
        var trainer = new Trainer(new VaeModel(new VaeConfig { Hidden = [8], Latent = 2 }), options, trainCount: 40);
        Assert.That(trainer.UpdateDuringBackward, Is.False);
    }
}
