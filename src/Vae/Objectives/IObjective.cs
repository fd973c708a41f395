using Vae.Engine;
using Vae.Model;

namespace Vae.Objectives;

/// <summary>
/// The inputs of one step, owned and refilled by the caller: images x (B, D), their labels, and the noise ε
/// (B·K, J) for the K samples of z per image that the objective asks for (<see cref="IObjective.SamplesPerImage"/>).
/// </summary>
public sealed class Batch(Tensor x, Tensor eps, byte[]? labels = null)
{
    public Tensor X { get; } = x;
    public Tensor Eps { get; } = eps;
    /// <summary>A buffer of at least B labels; only the first <see cref="Tensor.Rows"/> of X count.</summary>
    public byte[] LabelBuffer { get; } = labels ?? new byte[x.Rows];
    public int Count => X.Rows;
    public ReadOnlySpan<byte> Labels => LabelBuffer.AsSpan(0, Count);
}

/// <summary>Where training stands when a step's loss is built (for objectives whose weights follow a schedule).</summary>
public readonly record struct StepContext(long StepsDone, int BatchesPerEpoch);

/// <summary>
/// A step's loss on the tape, and what to report: <see cref="Nats"/> is the batch mean of the quantity the run
/// tracks as "loss" (−ELBO, or −bound for IWAE), with its reconstruction and KL parts.
/// </summary>
public readonly record struct StepLoss(Tensor Loss, double Nats, double Reconstruction, double Kl);

/// <summary>
/// What training minimises: turns a model and a batch into a scalar loss on the tape. One class per objective
/// (the ELBO with β, warm-up or capacity; the importance-weighted bound; a classifier term …), registered in
/// <see cref="ObjectiveRegistry"/> so a checkpoint names its objective and a resumed run rebuilds it.
/// </summary>
public interface IObjective
{
    /// <summary>The value of <c>--objective</c> and of the checkpoint's <c>objective</c> key.</summary>
    string Name { get; }

    /// <summary>Samples of z per image: the rows of ε per image the caller must draw.</summary>
    int SamplesPerImage { get; }

    /// <summary>Builds the loss of <paramref name="batch"/> on <paramref name="tape"/> (which the caller has reset).</summary>
    StepLoss Loss(Tape tape, VaeModel model, Batch batch, StepContext step);

    /// <summary>
    /// The objective test-set evaluations report: the plain negative ELBO unless the objective is itself a bound worth
    /// tracking (the IWAE bound), whatever schedule the training loss follows.
    /// </summary>
    IObjective EvaluationBound => ElboObjective.Standard;

    /// <summary>Checks the settings against the model (e.g. an autoencoder has no KL to weight).</summary>
    void Validate(VaeConfig model);

    /// <summary>One line for the start of training, e.g. "β 4 (warm-up 2 epochs)".</summary>
    string Describe();

    /// <summary>The settings as <c>objective.*</c> checkpoint metadata (the registry adds the name).</summary>
    Dictionary<string, string> ToMetadata();
}
