using Vae.Data;
using Vae.Lecture;
using Vae.Model;
using Vae.Nn;

namespace Vae.Analysis;

/// <summary>A model's code measured against known factors: MIG per factor, the FactorVAE score, active units.</summary>
public sealed record FactorReport(MigResult Mig, FactorVaeResult FactorVae, LatentCodes Codes)
{
    /// <summary>The factors with an order (scale, x, y): the ones a continuous latent dimension can carry.</summary>
    public static readonly string[] Continuous = [Shapes.ScaleFactor, Shapes.XFactor, Shapes.YFactor];

    public double ContinuousMig => Mig.MeanOver(Continuous);

    /// <summary>Encodes <paramref name="data"/> (μ only) and scores the code against <paramref name="factors"/>.</summary>
    public static FactorReport Measure(VaeModel model, MnistSet data, FactorTable factors, ulong seed = 1,
        int bins = 20, int threads = 0)
    {
        if (factors.Count != data.Count)
            throw new ArgumentException($"{factors.Count} factor rows for {data.Count} images");
        var codes = LatentCodes.Encode(model, data, threads: threads);
        var names = factors.Factors.Select(f => f.Name).ToArray();
        var counts = factors.Factors.Select(f => f.Levels).ToArray();
        var mig = Disentanglement.Mig(codes.Mu, codes.Latent, factors.Levels, names, counts, bins);
        var fv = Disentanglement.FactorVae(codes.Mu, codes.Latent, factors.Levels, counts, new Rng(seed));
        return new FactorReport(mig, fv, codes);
    }
}
