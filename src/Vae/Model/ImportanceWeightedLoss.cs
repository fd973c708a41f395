using Vae.Engine;

namespace Vae.Model;

/// <summary>
/// The K-sample training losses of Burda, Grosse &amp; Salakhutdinov (ICLR 2016), built on the tape. Each image is
/// encoded once; its μ, logvar are repeated for its K samples z_k = μ + σ ⊙ ε_k, which are decoded together
/// (B·K rows). With log w_k = log p(x|z_k) + log N(z_k; 0, I) − log N(z_k; μ, σ²):
/// <list type="bullet">
/// <item>iwae: loss = −mean_b [log (1/K) Σ_k w_k] (eq. 8), by log-sum-exp of the log-weights;</item>
/// <item>elbo: loss = mean_b [(1/K) Σ_k −log p(x|z_k) + KL(q(z|x) ‖ N(0, I))], the ELBO averaged over K samples with
/// the KL in closed form (the paper's "VAE, k samples").</item>
/// </list>
/// At K = 1 both are the ELBO (iwae with a sampled KL, elbo with the analytic one; equal in expectation).
/// </summary>
public static class ImportanceWeightedLoss
{
    /// <summary>The loss (1,1) and what to report (batch means in nats per image).</summary>
    public readonly record struct Result(Tensor Loss, double Nats, double Reconstruction, double Kl);

    /// <summary>
    /// x (B,D) images (no gradient), eps (B·K,J) ~ N(0, I) with image b's samples in rows b·K … b·K+K−1.
    /// <paramref name="importanceWeighted"/> picks iwae (true) or the averaged elbo (false).
    /// </summary>
    public static Result Build(Tape tape, VaeModel model, Tensor x, Tensor eps, int k, bool importanceWeighted)
    {
        if (!model.IsVariational) throw new ArgumentException("a K-sample objective needs a VAE, not an autoencoder");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "K must be >= 1");
        int b = x.Rows;
        if (eps.Rows != b * k || eps.Cols != model.Latent)
            throw new ArgumentException($"eps is {eps.ShapeString}, {b} images × K = {k} need ({b * k},{model.Latent})");
        var (mu, logVar) = model.Encode(tape, x);                       // (B,J) each: one encoder pass per image
        var muK = k == 1 ? mu : tape.RepeatRows(mu, k);                 // (B·K,J)
        var logVarK = k == 1 ? logVar! : tape.RepeatRows(logVar!, k);
        var z = tape.Reparameterize(muK, logVarK, eps);                 // z_k = μ + σ ⊙ ε_k
        var xK = k == 1 ? x : tape.RepeatRows(x, k);                    // targets, no gradient
        var recon = model.Reconstruction(tape, model.Decode(tape, z), xK);   // −log p(x|z_k), (B·K,1)
        double meanRecon = Mean(recon.Data);
        if (!importanceWeighted)
        {
            var kl = tape.KlStandardNormal(mu, logVar!);                // (B,1)
            double meanKl = Mean(kl.Data);
            return new Result(tape.Add(tape.Mean(recon), tape.Mean(kl)), meanRecon + meanKl, meanRecon, meanKl);
        }
        // log N(z; 0, I) − log N(z; μ, σ²) = ½ Σ_j (logvar_j + ε_j² − z_j²), since z − μ = σε; the −½J·log 2π cancel.
        var logRatio = tape.Scale(tape.SumRows(tape.Subtract(tape.Add(logVarK, tape.Multiply(eps, eps)),
            tape.Multiply(z, z))), 0.5f);                               // (B·K,1)
        var logW = tape.Subtract(logRatio, recon);                      // log w_k, (B·K,1)
        var bound = tape.LogSumExpRows(tape.Reshape(logW, b, k));       // log Σ_k w_k, (B,1)
        var loss = tape.AddScalar(tape.Scale(tape.Mean(bound), -1f), MathF.Log(k));   // −mean_b log (1/K) Σ_k w_k
        double sampledKl = -Mean(logRatio.Data);                        // mean of log q − log p over the samples
        return new Result(loss, loss.Value, meanRecon, sampledKl);
    }

    private static double Mean(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float f in v) s += f;
        return v.Length == 0 ? 0 : s / v.Length;
    }
}
