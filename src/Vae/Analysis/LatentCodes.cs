using Vae.Data;
using Vae.Engine;
using Vae.Model;

namespace Vae.Analysis;

/// <summary>
/// The encoder's view of a data set: μ (and logvar for the VAE) of every image, and per latent dimension its
/// average KL(q(z_j|x) ‖ N(0,1)) = ½(μ_j² + σ_j² − 1 − log σ_j²) over the set (the lecture's regularization term,
/// split by dimension). A dimension with average KL near 0 is ignored by the decoder ("inactive"); the larger the KL,
/// the more information about x it carries. For the autoencoder (no σ) the variance of μ_j takes its place.
/// </summary>
public sealed class LatentCodes
{
    public int Count { get; }
    public int Latent { get; }
    /// <summary>μ, Count × Latent, row-major.</summary>
    public float[] Mu { get; }
    /// <summary>logvar, Count × Latent (null for the autoencoder).</summary>
    public float[]? LogVar { get; }
    /// <summary>Labels of the encoded images.</summary>
    public byte[] Labels { get; }
    /// <summary>Average KL per dimension (VAE), or variance of μ per dimension (autoencoder).</summary>
    public double[] Score { get; }
    /// <summary>"KL" or "var": what <see cref="Score"/> is.</summary>
    public string ScoreName => LogVar == null ? "var" : "KL";

    private LatentCodes(int count, int latent, float[] mu, float[]? logVar, byte[] labels)
    {
        Count = count;
        Latent = latent;
        Mu = mu;
        LogVar = logVar;
        Labels = labels;
        Score = new double[latent];
        for (int j = 0; j < latent; j++)
        {
            double sum = 0, sumSq = 0;
            for (int n = 0; n < count; n++)
            {
                double m = mu[n * latent + j];
                if (logVar != null)
                {
                    double lv = logVar[n * latent + j];
                    sum += LatentActivity.KlTerm(m, lv);
                }
                else { sum += m; sumSq += m * m; }
            }
            Score[j] = count == 0 ? 0 : logVar != null ? sum / count : sumSq / count - (sum / count) * (sum / count);
        }
    }

    /// <summary>Encodes the first <paramref name="count"/> images of <paramref name="data"/> (all when null).</summary>
    public static LatentCodes Encode(VaeModel model, ImageSet data, int? count = null, int batchSize = 1000, int threads = 0)
    {
        int n = Math.Min(count ?? data.Count, data.Count), j = model.Latent;
        var mu = new float[n * j];
        var logVar = model.IsVariational ? new float[n * j] : null;
        var tape = Tape.ForInference(threads);
        var x = new Tensor(Math.Min(batchSize, Math.Max(n, 1)), model.Config.Input, name: "x");
        var indices = new int[x.Rows];
        for (int start = 0; start < n; start += batchSize)
        {
            int b = Math.Min(batchSize, n - start);
            for (int i = 0; i < b; i++) indices[i] = start + i;
            x.Reshape(b, model.Config.Input, false);
            data.FillBatch(indices.AsSpan(0, b), x.Data);
            tape.Reset();
            var (m, lv) = model.Encode(tape, x);
            m.Data.CopyTo(mu.AsSpan(start * j, b * j));
            lv?.Data.CopyTo(logVar.AsSpan(start * j, b * j));
        }
        return new LatentCodes(n, j, mu, logVar, data.Labels.AsSpan(0, n).ToArray());
    }

    /// <summary>The dimensions ordered by <see cref="Score"/>, largest first (ties by index).</summary>
    public int[] DimensionsByScore() =>
        Enumerable.Range(0, Latent).OrderByDescending(d => Score[d]).ThenBy(d => d).ToArray();

    /// <summary>μ of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> MuOf(int index) => Mu.AsSpan(index * Latent, Latent);
}
