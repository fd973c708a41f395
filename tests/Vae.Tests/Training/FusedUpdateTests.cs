using Vae.Data;
using Vae.Engine;
using Vae.Model;
using Vae.Nn;
using Vae.Objectives;
using Vae.Training;

namespace Vae.Tests.Training;

/// <summary>Adam inside the backward pass (<see cref="Adam.BackwardAndUpdate"/>) against Adam after it.</summary>
public class FusedUpdateTests
{
    private static (Trainer Trainer, VaeModel Model) Train(bool fused, int batch, int threads, IObjective objective)
    {
        var (train, _) = Mnist.Load(TestPaths.Slice);
        train = train.WithDynamicBinarization(7);
        var model = new VaeModel(new VaeConfig { Hidden = [48, 40], Latent = 6, Activation = Activation.Tanh });
        var options = new TrainOptions
        {
            BatchSize = batch, Threads = threads, Epochs = 2, Objective = objective, FusedUpdate = fused, Seed = 3,
        };
        var trainer = new Trainer(model, options, train.Count);
        trainer.RunEpoch(train);
        trainer.RunEpoch(train);
        return (trainer, model);
    }

    // Batch 20 (the paper's), 2 threads; IWAE k = 5 (the decoder's products have 100 rows); batch 250, whose products
    // are too tall for a sink (every weight then falls back to the update after the pass).
    [TestCase(20, 1, 1, false)]
    [TestCase(20, 2, 1, false)]
    [TestCase(20, 2, 5, true)]
    [TestCase(250, 2, 1, false)]
    public void FusedAndSeparateUpdatesGiveTheSameBits(int batch, int threads, int k, bool iwae)
    {
        IObjective objective = iwae ? new IwaeObjective { Samples = k } : ElboObjective.Standard;
        var (separateTrainer, separate) = Train(fused: false, batch, threads, objective);
        var (fusedTrainer, fused) = Train(fused: true, batch, threads, objective);
        var initial = new VaeModel(new VaeConfig { Hidden = [48, 40], Latent = 6, Activation = Activation.Tanh });
        Assert.That(fused.Parameters.Values.ToArray(), Is.Not.EqualTo(initial.Parameters.Values.ToArray()),
            "training moved the weights");
        Assert.That(fused.Parameters.Values.ToArray(), Is.EqualTo(separate.Parameters.Values.ToArray()));
        Assert.That(fusedTrainer.Optimizer.M, Is.EqualTo(separateTrainer.Optimizer.M));
        Assert.That(fusedTrainer.Optimizer.V, Is.EqualTo(separateTrainer.Optimizer.V));
        Assert.That(fusedTrainer.Optimizer.Step, Is.EqualTo(separateTrainer.Optimizer.Step));
        Assert.That(fused.Parameters.Grads.ToArray(), Is.All.EqualTo(0f), "gradients left at 0 for the next step");
    }

    // A weight used by two products (its gradient is their sum) must not be updated from the first one alone; one used
    // once is. Both must equal backward-then-update.
    [TestCase(true)]
    [TestCase(false)]
    public void AWeightUsedTwiceIsUpdatedAfterItsWholeGradient(bool usedTwice)
    {
        float[] Run(bool fused)
        {
            var parameters = new ParameterSet();
            int w = parameters.Declare("w.weight", 5, 5);
            int v = parameters.Declare("v.weight", 3, 5);
            parameters.Allocate();
            var rng = new Rng(11);
            foreach (ref float p in parameters.Values) p = rng.NextUniform(-1, 1);
            var adam = new Adam(parameters.Count, learningRate: 0.1f);
            var tape = new Tape { Threads = 1 };
            var x = new Tensor(4, 5);
            foreach (ref float e in x.Data) e = rng.NextUniform(-1, 1);
            for (int step = 0; step < 3; step++)
            {
                tape.Reset();
                var h = tape.Tanh(tape.MatMul(x, parameters[w], transB: true));        // (4,5)
                if (usedTwice) h = tape.MatMul(h, parameters[w], transB: true);       // W again
                var loss = tape.Mean(tape.MatMul(h, parameters[v], transB: true));     // (4,3) → scalar
                if (fused) adam.BackwardAndUpdate(tape, loss, parameters);
                else
                {
                    tape.Backward(loss);
                    adam.Update(parameters.Values, parameters.Grads);
                }
            }
            return parameters.Values.ToArray();
        }

        Assert.That(Run(fused: true), Is.EqualTo(Run(fused: false)));
    }
}
