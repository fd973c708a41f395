using Vae.Data;
using Vae.Engine;
using Vae.Model;

namespace Vae.Analysis;

/// <summary>Per latent dimension over a data set: mean KL, variance of μ, and the active-unit count.</summary>
public readonly record struct LatentActivityResult(double[] Kl, double[] MuVariance, int ActiveUnits);

/// <summary>
/// How much each latent dimension is used, measured on a data set after an epoch:
/// <list type="bullet">
/// <item>the mean KL(q(z_j|x) ‖ N(0,1)) = ½(μ_j² + σ_j² − 1 − log σ_j²) per dimension (the lecture's
/// regularization term split by dimension; their sum is the data set's mean KL, as in <see cref="LatentCodes"/>);</item>
/// <item>active units (Burda et al. 2016, "Importance weighted autoencoders", §5.2): dimensions whose posterior mean
/// E_q[z_j|x] = μ_j(x) varies over the data, Var_x μ_j(x) &gt; 0.01. An inactive dimension encodes nothing.</item>
/// </list>
/// Unlike <see cref="LatentCodes"/> it keeps no per-image codes: it streams sums, and its tape and batch are reused
/// from one measurement to the next, so calling it every epoch makes no garbage.
/// </summary>
public sealed class LatentActivity(int batchSize = 1000, int threads = 0)
{
    /// <summary>Burda et al.'s threshold on Var_x μ_j(x).</summary>
    public const double ActiveVariance = 0.01;

    private readonly Tape _tape = Tape.ForInference(threads);
    private readonly Tensor _x = new(batchSize, 1, name: "x");
    private readonly int[] _indices = new int[batchSize];
    private double[] _kl = [], _sum = [], _sumSq = [];

    public LatentActivityResult Measure(VaeModel model, ImageSet data)
    {
        int j = model.Latent;
        if (_kl.Length != j) { _kl = new double[j]; _sum = new double[j]; _sumSq = new double[j]; }
        Array.Clear(_kl); Array.Clear(_sum); Array.Clear(_sumSq);
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int b = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < b; i++) _indices[i] = start + i;
            _x.Reshape(b, model.Config.Input, false);
            data.FillBatch(_indices.AsSpan(0, b), _x.Data);
            _tape.Reset();
            var (mu, logVar) = model.Encode(_tape, _x);
            Accumulate(mu.Data, logVar == null ? default : logVar.Data, j);
        }

        int n = data.Count, active = 0;
        var kl = new double[j];
        var variance = new double[j];
        for (int d = 0; d < j && n > 0; d++)
        {
            kl[d] = _kl[d] / n;
            double mean = _sum[d] / n;
            variance[d] = Math.Max(0, _sumSq[d] / n - mean * mean);
            if (variance[d] > ActiveVariance) active++;
        }
        return new LatentActivityResult(kl, variance, active);
    }

    /// <summary>
    /// One dimension's KL(N(μ, e^lv) ‖ N(0, 1)) = ½(μ² + e^lv − 1 − lv), in double for the statistics (the training
    /// loss uses the float kernel <see cref="Kernels.KlTermOp"/>).
    /// </summary>
    public static double KlTerm(double mu, double logVar) => 0.5 * (mu * mu + Math.Exp(logVar) - 1 - logVar);

    /// <summary>Adds one batch: mu and logVar are (B,J) row-major; logVar is empty for the autoencoder (no KL).</summary>
    private void Accumulate(ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar, int j)
    {
        for (int r = 0; r < mu.Length / j; r++)
            for (int d = 0; d < j; d++)
            {
                double m = mu[r * j + d];
                _sum[d] += m;
                _sumSq[d] += m * m;
                if (!logVar.IsEmpty)
                {
                    double lv = logVar[r * j + d];
                    _kl[d] += KlTerm(m, lv);
                }
            }
    }
}
