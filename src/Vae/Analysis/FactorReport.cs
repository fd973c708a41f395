using Vae.Data;
using Vae.Engine;
using Vae.Model;

namespace Vae.Analysis;

/// <summary>A model's code measured against known factors: MIG per factor, the FactorVAE score, active units.</summary>
public sealed record FactorReport(MigResult Mig, FactorVaeResult FactorVae, LatentCodes Codes, int[] LevelCounts)
{
    /// <summary>The shapes factors with an order (scale, x, y): the ones a continuous latent dimension can
    /// carry.</summary>
    public static readonly string[] Continuous = [Shapes.ScaleFactor, Shapes.XFactor, Shapes.YFactor];

    public double ContinuousMig => Mig.MeanOver(Continuous);

    /// <summary>
    /// Encodes <paramref name="data"/> (μ only) and scores the code against the set's factor values, each factor's
    /// distinct values taken as its levels.
    /// </summary>
    public static FactorReport Measure(VaeModel model, ImageSet data, IReadOnlyList<string> factorNames,
        ulong seed = 1, int bins = 20, int threads = 0)
    {
        if (data.Factors == null || data.FactorCount != factorNames.Count)
            throw new ArgumentException(
                $"the images carry {data.FactorCount} factor values, {factorNames.Count} names given");
        var (levels, counts) = Levels(data.Factors, data.FactorCount);
        var codes = LatentCodes.Encode(model, data, threads: threads);
        var mig = Disentanglement.Mig(codes.Mu, codes.Latent, levels, factorNames, counts, bins);
        var fv = Disentanglement.FactorVae(codes.Mu, codes.Latent, levels, counts, new Rng(seed));
        return new FactorReport(mig, fv, codes, counts);
    }

    /// <summary>Factor values (n rows of k) → level indices (each factor's distinct values, ascending) and
    /// counts.</summary>
    public static (int[] Levels, int[] Counts) Levels(ReadOnlySpan<float> values, int k)
    {
        int n = values.Length / k;
        var levels = new int[values.Length];
        var counts = new int[k];
        for (int f = 0; f < k; f++)
        {
            var distinct = new SortedSet<float>();
            for (int i = 0; i < n; i++) distinct.Add(values[i * k + f]);
            var index = new Dictionary<float, int>();
            foreach (float v in distinct) index[v] = index.Count;
            for (int i = 0; i < n; i++) levels[i * k + f] = index[values[i * k + f]];
            counts[f] = distinct.Count;
        }
        return (levels, counts);
    }
}
