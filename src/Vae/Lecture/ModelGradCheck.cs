using Vae.Engine;
using Vae.Model;
using Vae.Objectives;
using Vae.Nn;

using Vae.Analysis;

namespace Vae.Lecture;

/// <summary>
/// A finite-difference check of the whole model's loss, on top of the per-op checks of
/// <see cref="GradCheck.CheckAllOps"/>: the negative ELBO of a small VAE (and the autoencoder's ‖x − x̂‖²) with a
/// fixed batch and a fixed ε, differentiated by the tape and by central differences for a sample of the weights
/// of every layer. It exercises what the op checks cannot: the wiring of encoder, reparameterization, decoder and
/// loss, and gradients that accumulate through several paths.
/// <para>
/// The model is small on purpose. The input has 20 pixels so that the loss stays near 10 nats, where float32
/// central differences are accurate to the checker's tolerance (a 784-pixel loss of ~550 nats is not). The hidden
/// activation is tanh: a finite difference across a ReLU kink is not a derivative, and ReLU itself is checked
/// away from its kink by the op checks.
/// </para>
/// </summary>
public static class ModelGradCheck
{
    public static IReadOnlyList<GradCheckResult> Check(ulong seed = 1, int input = 20, int hidden = 16, int latent = 3,
        int batch = 4, int perTensor = 12)
    {
        var results = new List<GradCheckResult>();
        var vae = new VaeConfig { Input = input, Hidden = [hidden], Latent = latent, Activation = Activation.Tanh };
        results.AddRange(CheckOne("vae loss", vae, seed, batch, perTensor, perLayer: true));
        var ae = vae with { Kind = ModelKind.Ae, Likelihood = Likelihood.Gaussian };
        results.AddRange(CheckOne("ae loss ‖x−x̂‖²", ae, seed, batch, perTensor, perLayer: false));
        var iwae = new IwaeObjective { Samples = 3 };
        results.AddRange(CheckOne("iwae bound K=3", vae, seed, batch, perTensor, perLayer: false, iwae));
        results.AddRange(CheckDbVae(ClassifierObjective.WithHead(vae), seed, batch, perTensor));
        return results;
    }

    /// <summary>
    /// The DB-VAE loss (cross-entropy of the class head + the positives' λ-weighted VAE term) on a half-positive batch:
    /// the head, and the encoder's first layer, which both terms reach.
    /// </summary>
    private static IEnumerable<GradCheckResult> CheckDbVae(VaeConfig config, ulong seed, int batch, int perTensor)
    {
        var model = new VaeModel(config);
        var rng = new Rng(seed, 102);
        model.Initialize(rng);
        var x = new Tensor(batch, config.Input, name: "x");
        foreach (ref float v in x.Data) v = rng.NextFloat();
        var eps = new Tensor(batch, config.Latent, name: "eps");
        rng.FillGaussian(eps.Data);
        var labels = Enumerable.Range(0, batch).Select(i => i < batch / 2 ? (byte)1 : (byte)0).ToArray();
        var objective = new ClassifierObjective { VaeWeight = 0.05f };
        Tensor Loss(Tape tape) => objective.Forward(tape, model, x, labels, eps).Loss;
        var sample = new Rng(seed, 103);
        var checkedTensors = model.Parameters.Tensors
            .Where(t => t.Name.StartsWith("head.", StringComparison.Ordinal) || t.Name == "fc1.weight");
        foreach (var t in checkedTensors)
            yield return GradCheck.Check($"dbvae loss ∂/∂{t.Name}", Loss, [t], perTensor, sample);
    }

    private static IEnumerable<GradCheckResult> CheckOne(string name, VaeConfig config, ulong seed, int batch,
        int perTensor, bool perLayer, IObjective? objective = null)
    {
        objective ??= ElboObjective.Standard;
        var model = new VaeModel(config);
        var rng = new Rng(seed, 100);
        model.Initialize(rng);
        var x = new Tensor(batch, config.Input, name: "x");
        foreach (ref float v in x.Data) v = rng.NextFloat();
        var eps = new Tensor(batch * objective.SamplesPerImage, config.Latent, name: "eps");
        rng.FillGaussian(eps.Data);
        var inputs = new Batch(x, eps);
        Tensor Loss(Tape tape) => objective.Loss(tape, model, inputs, new StepContext(0, 1)).Loss;
        var sample = new Rng(seed, 101);
        var tensors = model.Parameters.Tensors;
        if (!perLayer)
        {
            yield return GradCheck.Check($"{name} (all layers)", Loss, tensors, perTensor, sample);
            yield break;
        }
        foreach (var t in tensors)
            yield return GradCheck.Check($"{name} ∂/∂{t.Name}", Loss, [t], perTensor, sample);
    }
}
