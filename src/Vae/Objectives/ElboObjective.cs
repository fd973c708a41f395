using System.Globalization;
using Vae.Engine;
using Vae.IO;
using Vae.Model;

namespace Vae.Objectives;

/// <summary>
/// The ELBO and its β-VAE variants (the lecture's "reconstruction loss + regularization term"):
/// <list type="bullet">
/// <item>β-weighted (Higgins et al. 2017): loss = mean over the batch of recon + β_t·KL. β = 1 is the negative ELBO;
/// β &gt; 1 squeezes the latent bottleneck, which encourages disentanglement. With warm-up, β_t = β·min(1, t / (E·N)),
/// a linear ramp from 0 over E epochs of N batches (fractional epochs allowed).</item>
/// <item>capacity (Burgess et al. 2018, "Understanding disentangling in β-VAE", eq. 8): loss = mean recon +
/// γ·|mean KL − C_t|, with C_t = C·min(1, t / T) rising over T steps, so the code gains information a little at a
/// time instead of being pushed to 0.</item>
/// </list>
/// t = optimizer steps done before this one, so a resumed run, which restores that count, continues the ramp exactly.
/// For the autoencoder (no KL) the loss is the mean reconstruction.
/// </summary>
public sealed record ElboObjective : IObjective
{
    public const string Id = "elbo";

    /// <summary>The plain negative ELBO (β = 1), the loss evaluations report.</summary>
    public static readonly ElboObjective Standard = new();

    public float Beta { get; init; } = 1f;
    /// <summary>Epochs over which β ramps from 0 (0 = no warm-up).</summary>
    public double WarmupEpochs { get; init; }
    /// <summary>The capacity target C in nats when set; β and warm-up are then unused.</summary>
    public float? Capacity { get; init; }
    public long CapacityIters { get; init; }
    public float Gamma { get; init; } = 100f;

    public string Name => Id;
    public int SamplesPerImage => 1;

    public void Validate(VaeConfig model)
    {
        if (!(Beta >= 0) || !float.IsFinite(Beta)) throw new ArgumentException("beta must be >= 0");
        if (!(WarmupEpochs >= 0) || !double.IsFinite(WarmupEpochs)) throw new ArgumentException("kl-warmup must be >= 0");
        if (Capacity is float c && (!(c >= 0) || !float.IsFinite(c))) throw new ArgumentException("capacity must be >= 0");
        if (CapacityIters < 0) throw new ArgumentException("capacity-iters must be >= 0");
        if (!(Gamma >= 0) || !float.IsFinite(Gamma)) throw new ArgumentException("gamma must be >= 0");
    }

    /// <summary>The KL weight β_t of the step after <paramref name="step"/>.StepsDone steps.</summary>
    public float BetaAt(StepContext step) => Beta * Ramp(step.StepsDone, WarmupEpochs * step.BatchesPerEpoch);

    /// <summary>The capacity target C_t of the step after <paramref name="step"/>.StepsDone steps (0 without one).</summary>
    public float CapacityAt(StepContext step) => (Capacity ?? 0f) * Ramp(step.StepsDone, CapacityIters);

    public StepLoss Loss(Tape tape, VaeModel model, Batch batch, StepContext step)
    {
        var f = model.Forward(tape, batch.X, batch.Eps);
        double recon = f.MeanReconstruction, kl = f.MeanKl;
        if (f.Kl == null) return new StepLoss(tape.Mean(f.Reconstruction), recon, recon, 0);
        var loss = Capacity != null
            ? CapacityLoss(tape, f.Reconstruction, f.Kl, CapacityAt(step), Gamma)
            : WeightedLoss(tape, f.Reconstruction, f.Kl, BetaAt(step));
        return new StepLoss(loss, recon + kl, recon, kl);
    }

    /// <summary>The loss of one batch with no schedule (step 0 of a one-batch epoch): tests, gradcheck, graphs.</summary>
    public StepLoss Loss(Tape tape, VaeModel model, Tensor x, Tensor eps) =>
        Loss(tape, model, new Batch(x, eps), new StepContext(0, 1));

    /// <summary>mean_b (recon + β·KL): the negative ELBO at β = 1, the β-VAE loss otherwise. (B,1),(B,1) → (1,1).</summary>
    private static Tensor WeightedLoss(Tape tape, Tensor recon, Tensor kl, float beta) =>
        tape.Mean(beta == 1f ? tape.Add(recon, kl) : tape.Add(recon, tape.Scale(kl, beta)));

    /// <summary>mean_b recon + γ·|mean_b KL − C| (Burgess et al. 2018, eq. 8). (B,1),(B,1) → (1,1).</summary>
    private static Tensor CapacityLoss(Tape tape, Tensor recon, Tensor kl, float capacity, float gamma) =>
        tape.Add(tape.Mean(recon), tape.Scale(tape.Abs(tape.AddScalar(tape.Mean(kl), -capacity)), gamma));

    /// <summary>min(1, done / length); 1 when there is no ramp (length ≤ 0).</summary>
    private static float Ramp(long done, double length) => length > 0 ? (float)Math.Min(1.0, done / length) : 1f;

    public string Describe() =>
        Capacity is float c ? string.Create(CultureInfo.InvariantCulture, $"capacity C {c} over {CapacityIters} steps, γ {Gamma}")
        : WarmupEpochs > 0 ? string.Create(CultureInfo.InvariantCulture, $"β {Beta} (warm-up {WarmupEpochs} epochs)")
        : string.Create(CultureInfo.InvariantCulture, $"β {Beta}");

    public Dictionary<string, string> ToMetadata() => new()
    {
        ["objective.beta"] = Metadata.Text(Beta),
        ["objective.kl_warmup"] = Metadata.Text(WarmupEpochs),
        ["objective.capacity"] = Capacity is float c ? Metadata.Text(c) : "off",
        ["objective.capacity_iters"] = Metadata.Text(CapacityIters),
        ["objective.gamma"] = Metadata.Text(Gamma),
    };

    /// <summary>Reads what <see cref="ToMetadata"/> wrote; FormatException naming the bad key.</summary>
    public static ElboObjective FromMetadata(IReadOnlyDictionary<string, string> m) => new()
    {
        Beta = Metadata.Float(m, "objective.beta"),
        WarmupEpochs = Metadata.Double(m, "objective.kl_warmup"),   // a double: read back exactly as written
        Capacity = Metadata.Get(m, "objective.capacity") == "off" ? null : Metadata.Float(m, "objective.capacity"),
        CapacityIters = Metadata.Long(m, "objective.capacity_iters"),
        Gamma = Metadata.Float(m, "objective.gamma"),
    };
}
