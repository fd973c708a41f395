using Vae.Data;
using Vae.Engine;


using Vae.Model;

namespace Vae.Analysis;

/// <summary>
/// The importance-weighted estimate of −log p(x) (Burda et al. 2016): with z_k = μ + σ ⊙ ε_k drawn from q(z|x),
/// log p(x) ≈ log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), computed with log-sum-exp over the K log-weights
///   log w_k = log p(x|z_k) + log N(z_k; 0, I) − log N(z_k; μ, σ²).
/// With K = 1 it is the ELBO; it tightens towards −log p(x) as K grows.
/// </summary>
public static class ImportanceWeighted
{
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>
    /// The most decoded samples one batch holds (B·K rows, 63 MB per 784-wide tensor), and so the largest K: beyond it
    /// one image's samples alone would outgrow the batch and memory would grow with K.
    /// </summary>
    public const int MaxRows = 20_000;

    /// <summary>
    /// Mean over the data of −log p(x) estimated with K samples, in nats per image. <paramref name="progress"/> hears
    /// (images done, images in all) after each batch: the work grows with K·N and K = 10⁵ takes hours.
    /// </summary>
    public static double NegativeLogLikelihood(VaeModel model, ImageSet data, int k, int threads = 0, ulong seed = 1,
        int imagesPerBatch = 100, Action<int, int>? progress = null)
    {
        if (!model.IsVariational) throw new ArgumentException("the importance-weighted bound needs a VAE, not an autoencoder");
        if (k is < 1 or > MaxRows) throw new ArgumentOutOfRangeException(nameof(k), $"K must be in 1..{MaxRows}");
        int d = model.Config.Input, j = model.Latent;
        int b = Math.Max(1, Math.Min(imagesPerBatch, MaxRows / k)); // keep B·K rows moderate
        var tape = Tape.ForInference(threads);
        var rng = new Rng(seed, RngStreams.Evaluation);
        var x = new Tensor(b, d, name: "x");
        var xk = new Tensor(b * k, d, name: "x_rep");
        var muK = new Tensor(b * k, j, name: "mu_rep");
        var logVarK = new Tensor(b * k, j, name: "logvar_rep");
        var eps = new Tensor(b * k, j, name: "eps");
        var logW = new Tensor(b, k, name: "log_w");
        var idx = new int[b];
        double total = 0;
        for (int start = 0; start < data.Count; start += b)
        {
            int n = Math.Min(b, data.Count - start);
            for (int i = 0; i < n; i++) idx[i] = start + i;
            x.Reshape(n, d, false); xk.Reshape(n * k, d, false); eps.Reshape(n * k, j, false); logW.Reshape(n, k, false);
            muK.Reshape(n * k, j, false); logVarK.Reshape(n * k, j, false);
            data.FillBatch(idx.AsSpan(0, n), x.Data);
            rng.FillGaussian(eps.Data, threads);

            // Encode each image once, then give each of its K samples a copy of its row (and of the image, the target).
            tape.Reset();
            var (mu, logVar) = model.Encode(tape, x);
            for (int i = 0; i < n; i++)
                for (int s = 0; s < k; s++)
                {
                    int r = i * k + s;
                    x.Data.Slice(i * d, d).CopyTo(xk.Data.Slice(r * d, d));
                    mu.Data.Slice(i * j, j).CopyTo(muK.Data.Slice(r * j, j));
                    logVar!.Data.Slice(i * j, j).CopyTo(logVarK.Data.Slice(r * j, j));
                }
            tape.Reset();
            var z = tape.Reparameterize(muK, logVarK, eps);
            var recon = model.Reconstruction(tape, model.Decode(tape, z), xk); // −log p(x|z), (n·k, 1)
            for (int r = 0; r < n * k; r++)
            {
                double logPz = 0, logQz = 0;
                var zr = z.Data.Slice(r * j, j); var er = eps.Data.Slice(r * j, j); var lv = logVarK.Data.Slice(r * j, j);
                for (int c = 0; c < j; c++)
                {
                    logPz += -0.5 * zr[c] * zr[c] - HalfLogTwoPi;
                    logQz += -0.5 * er[c] * er[c] - 0.5 * lv[c] - HalfLogTwoPi;   // z − μ = σε
                }
                logW.Data[r] = (float)(-recon.Data[r] + logPz - logQz);
            }
            var lse = tape.LogSumExpRows(logW);
            for (int i = 0; i < n; i++) total += -(lse.Data[i] - Math.Log(k));
            progress?.Invoke(start + n, data.Count);
        }
        return total / data.Count;
    }
}
