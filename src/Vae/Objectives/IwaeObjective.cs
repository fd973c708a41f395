using System.Globalization;
using Vae.Engine;
using Vae.IO;
using Vae.Model;

namespace Vae.Objectives;

/// <summary>
/// The K-sample objectives of Burda, Grosse &amp; Salakhutdinov, "Importance Weighted Autoencoders" (ICLR 2016).
/// Each image is encoded once; its μ, logvar are repeated for its K samples z_k = μ + σ ⊙ ε_k, decoded together as
/// B·K rows. With log w_k = log p(x|z_k) + log N(z_k; 0, I) − log N(z_k; μ, σ²):
/// <list type="bullet">
/// <item><c>iwae</c>: loss = −mean_b log (1/K) Σ_k w_k (their eq. 8), by log-sum-exp of the log-weights; it tightens
/// towards −log p(x) as K grows;</item>
/// <item><c>elbo-k</c> (<c>--objective elbo --k K</c>): loss = mean_b [(1/K) Σ_k −log p(x|z_k) + KL(q(z|x) ‖ N(0, I))],
/// the ELBO averaged over K samples with the KL in closed form (their "VAE, k samples").</item>
/// </list>
/// At K = 1 both are the one-sample ELBO (iwae with the KL sampled, elbo-k with it in closed form; equal in
/// expectation). Reported: the bound in nats, the mean −log p(x|z_k), and as "KL" the mean of log q − log p over the
/// samples (iwae) or the closed form (elbo-k).
/// </summary>
public sealed record IwaeObjective : IObjective
{
    public const string Id = "iwae", AveragedElboId = "elbo-k";

    /// <summary>K, the samples of z per image.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>True: the averaged ELBO (elbo-k) instead of the importance-weighted bound.</summary>
    public bool Averaged { get; init; }

    public string Name => Averaged ? AveragedElboId : Id;
    public int SamplesPerImage => Samples;

    /// <summary>Test-set evaluations report this bound too, so a run's curve is the quantity it optimises. Explicit:
    /// as a public property of the record, ToString printed it, i.e. itself, until the stack overflowed.</summary>
    IObjective IObjective.EvaluationBound => this;

    public void Validate(VaeConfig model)
    {
        if (Samples < 1) throw new ArgumentException("k must be >= 1");
        if (model.Kind != ModelKind.Vae)
            throw new ArgumentException($"--objective {(Averaged ? $"elbo --k {Samples}" : Id)} needs --model vae");
    }

    public StepLoss Loss(Tape tape, VaeModel model, Batch batch, StepContext step)
    {
        Tensor x = batch.X, eps = batch.Eps;
        int b = x.Rows, k = Samples;
        if (eps.Rows != b * k || eps.Cols != model.Latent)
            throw new ArgumentException(
                $"eps is {eps.ShapeString}, {b} images × K = {k} need ({b * k},{model.Latent})");
        var (mu, logVar) = model.Encode(tape, x);                       // (B,J) each: one encoder pass per image
        var muK = k == 1 ? mu : tape.RepeatRows(mu, k);                 // (B·K,J)
        var logVarK = k == 1 ? logVar! : tape.RepeatRows(logVar!, k);
        var z = tape.Reparameterize(muK, logVarK, eps);                 // z_k = μ + σ ⊙ ε_k
        var xK = k == 1 ? x : tape.RepeatRows(x, k);                    // targets, no gradient
        var recon = model.Reconstruction(tape, model.Decode(tape, z), xK);   // −log p(x|z_k), (B·K,1)
        double meanRecon = Mean(recon.Data);
        if (Averaged)
        {
            var kl = tape.KlStandardNormal(mu, logVar!);                // (B,1)
            double meanKl = Mean(kl.Data);
            return new StepLoss(tape.Add(tape.Mean(recon), tape.Mean(kl)), meanRecon + meanKl, meanRecon, meanKl);
        }
        // log N(z; 0, I) − log N(z; μ, σ²) = ½ Σ_j (logvar_j + ε_j² − z_j²), since z − μ = σε; the −½J·log 2π cancel.
        var logRatio = tape.Scale(tape.SumRows(tape.Subtract(tape.Add(logVarK, tape.Multiply(eps, eps)),
            tape.Multiply(z, z))), 0.5f);                               // (B·K,1)
        var logW = tape.Subtract(logRatio, recon);                      // log w_k, (B·K,1)
        var bound = tape.LogSumExpRows(tape.Reshape(logW, b, k));       // log Σ_k w_k, (B,1)
        var loss = tape.AddScalar(tape.Scale(tape.Mean(bound), -1f), MathF.Log(k));   // −mean_b log (1/K) Σ_k w_k
        return new StepLoss(loss, loss.Value, meanRecon, -Mean(logRatio.Data));
    }

    /// <summary>The loss of one batch (tests, gradcheck): x (B,D), eps (B·K,J), image b's samples in rows
    /// b·K….</summary>
    public StepLoss Loss(Tape tape, VaeModel model, Tensor x, Tensor eps) =>
        Loss(tape, model, new Batch(x, eps), new StepContext(0, 1));

    private static double Mean(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float f in v) s += f;
        return v.Length == 0 ? 0 : s / v.Length;
    }

    public string Describe() => Averaged
        ? string.Create(CultureInfo.InvariantCulture, $"ELBO averaged over K = {Samples} samples")
        : string.Create(CultureInfo.InvariantCulture, $"IWAE bound, K = {Samples}");

    public Dictionary<string, string> ToMetadata() => new() { ["objective.k"] = Metadata.Text(Samples) };

    public static IwaeObjective FromMetadata(IReadOnlyDictionary<string, string> m) => new()
    {
        Samples = Metadata.Int(m, "objective.k", min: 1),
        Averaged = Metadata.Get(m, "objective") == AveragedElboId,
    };
}
