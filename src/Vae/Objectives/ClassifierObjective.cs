using System.Globalization;
using Vae.Engine;
using Vae.IO;
using Vae.Model;

namespace Vae.Objectives;

/// <summary>
/// The DB-VAE loss (Amini et al. 2019, eq. 4; the MIT 6.S191 lab 2 part 2), per image with label y ∈ {0, 1}:
///   L = BCE-with-logits(ŷ, y) + y · λ · (recon + β·KL),
/// a detector's cross-entropy (ŷ from the encoder's <see cref="Head"/>) plus, for positives only, the VAE loss of the
/// same encoder. Negatives train only the classifier. λ balances the two: the Bernoulli reconstruction is a sum over
/// 784 pixels (~100 nats) while the cross-entropy is under 1 nat, so at λ = 1 the VAE term swamps the shared encoder;
/// λ = 1/784 makes it a per-pixel mean, as the lab's mean-L1 reconstruction is (the lab weights its KL by 5e-4; here
/// β·λ = 1/784 ≈ 1.3e-3). λ = 0 is the plain classifier: no decoder pass at all.
/// A batch's labels say which images are positives (label 1).
/// </summary>
public sealed class ClassifierObjective : IObjective
{
    public const string Id = "dbvae";
    /// <summary>The name of the encoder head that gives the class logit (one output).</summary>
    public const string Head = "classifier";

    private Tensor? _y;   // (B,1) labels as floats, kept so a steady-state step allocates nothing

    /// <summary>λ: the weight of the positives' VAE loss beside the cross-entropy (0 = classifier only).</summary>
    public float VaeWeight { get; init; } = 1f / 784;
    /// <summary>β: the weight of the KL inside the VAE loss.</summary>
    public float Beta { get; init; } = 1f;

    public string Name => Id;
    public int SamplesPerImage => 1;

    public void Validate(VaeConfig model)
    {
        if (!(VaeWeight >= 0) || !float.IsFinite(VaeWeight)) throw new ArgumentException("vae weight must be >= 0");
        if (!(Beta >= 0) || !float.IsFinite(Beta)) throw new ArgumentException("beta must be >= 0");
        if (model.Kind != ModelKind.Vae)
            throw new ArgumentException("a DB-VAE needs the variational model (--model vae)");
        if (!model.Heads.Any(h => h.Name == Head && h.Outputs == 1))
            throw new ArgumentException($"a DB-VAE needs the encoder head '{Head}' with one output");
    }

    /// <summary>The config of a DB-VAE: <paramref name="model"/> with the one-logit classifier head.</summary>
    public static VaeConfig WithHead(VaeConfig model) =>
        model.Heads.Any(h => h.Name == Head) ? model : model with { Heads = [.. model.Heads, new HeadSpec(Head, 1)] };

    public StepLoss Loss(Tape tape, VaeModel model, Batch batch, StepContext step)
    {
        var parts = Forward(tape, model, batch.X, batch.Labels, batch.Eps);
        return new StepLoss(parts.Loss, parts.Loss.Value, parts.PositiveReconstruction, parts.PositiveKl);
    }

    /// <summary>
    /// x (B,In) in [0,1]; labels (B) with 1 for a positive; eps (B,J) ~ N(0,I) from the caller. Loss (1,1) = mean
    /// over the batch. Also returns the per-image cross-entropy (B,1) and the positives' mean recon and KL.
    /// </summary>
    public (Tensor Loss, Tensor CrossEntropy, double PositiveReconstruction, double PositiveKl) Forward(Tape tape,
        VaeModel model, Tensor x, ReadOnlySpan<byte> labels, Tensor eps)
    {
        int b = x.Rows;
        if (labels.Length != b) throw new ArgumentException($"{labels.Length} labels for {b} images");
        _y ??= new Tensor(b, 1, name: "y");
        _y.Reshape(b, 1, requiresGrad: false);
        int positives = 0;
        for (int i = 0; i < b; i++)
        {
            if (labels[i] > 1) throw new ArgumentException($"label {labels[i]} of a detector batch is not 0 or 1");
            _y.Data[i] = labels[i];
            positives += labels[i];
        }
        var (mu, logVar, hidden) = model.Encode(tape, x);
        var cls = tape.BceWithLogits(model.Head(tape, Head, hidden), _y);       // (B,1)
        if (VaeWeight == 0f) return (tape.Mean(cls), cls, 0, 0);

        var z = tape.Reparameterize(mu, logVar!, eps);                          // z = μ + σ ⊙ ε
        var recon = model.Reconstruction(tape, model.Decode(tape, z), x);       // (B,1)
        var kl = tape.KlStandardNormal(mu, logVar!);                            // (B,1)
        var vae = Beta == 1f ? tape.Add(recon, kl) : tape.Add(recon, tape.Scale(kl, Beta));
        var gated = tape.Multiply(vae, _y);                                     // 1[y = 1] · (recon + β·KL)
        var loss = tape.Mean(tape.Add(cls, VaeWeight == 1f ? gated : tape.Scale(gated, VaeWeight)));
        return (loss, cls, MeanWhere(recon, _y, positives), MeanWhere(kl, _y, positives));
    }

    private static double MeanWhere(Tensor t, Tensor y, int count)
    {
        if (count == 0) return 0;
        double s = 0;
        for (int i = 0; i < t.Rows; i++) s += t.Data[i] * y.Data[i];
        return s / count;
    }

    public string Describe() => VaeWeight == 0
        ? "classifier only (cross-entropy)"
        : string.Create(CultureInfo.InvariantCulture,
            $"cross-entropy + positives' λ·(recon + β·KL), λ {VaeWeight:G4}, β {Beta}");

    public Dictionary<string, string> ToMetadata() => new()
    {
        ["objective.vae_weight"] = Metadata.Text(VaeWeight),
        ["objective.beta"] = Metadata.Text(Beta),
    };

    public static ClassifierObjective FromMetadata(IReadOnlyDictionary<string, string> m) => new()
    {
        VaeWeight = Metadata.Float(m, "objective.vae_weight"),
        Beta = Metadata.Float(m, "objective.beta"),
    };
}
