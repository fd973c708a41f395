using System.Globalization;
using Vae.Data;
using Vae.Analysis;
using Vae.Model;
using Vae.Training;

namespace Vae.Cli.Runs;

/// <summary>
/// The debiasing options of <c>vae train</c> (DB-VAE resampling and the biased training set of its demonstration):
/// declaring and reading them (their checkpoint metadata is RunConfig's).
/// </summary>
public static class DebiasRunOptions
{
    public static ArgParser DebiasOptions(this ArgParser p) => p
        .Flag("debias", "DB-VAE: draw each epoch's images with replacement, rare latent regions more often (see 'vae debias')")
        .Option("debias-bins", "10", "with --debias: histogram bins per latent dimension", "N")
        .Option("debias-alpha", "0.001", "with --debias: smoothing α added to each bin's density", "A")
        .Option("debias-combine", "max", "with --debias: combine the per-dimension weights by their max or product", "max|product")
        .Option("bias-digit", null, "make this digit rare in the training set (the test set is unchanged)", "D")
        .Option("bias-keep", "0.05", "with --bias-digit: the fraction of that digit's training images kept (seeded choice)", "F");

    /// <summary>The options as given on the command line, added to <paramref name="o"/>.</summary>
    public static TrainOptions Read(ArgParser p, TrainOptions o)
    {
        bool debias = p.GetFlag("debias");
        if (!debias && (p.Has("debias-bins") || p.Has("debias-alpha") || p.Has("debias-combine")))
            throw new UsageException("--debias-bins, --debias-alpha and --debias-combine belong to --debias");
        if (!p.Has("bias-digit") && p.Has("bias-keep")) throw new UsageException("--bias-keep belongs to --bias-digit D");
        return o with
        {
            Debias = debias ? ReadDebias(p) : null,
            BiasDigit = p.Has("bias-digit") ? p.GetInt("bias-digit", 0, 9) : null,
            BiasKeep = p.Has("bias-digit") ? p.GetDouble("bias-keep", 0, 1) : 1,
        };
    }

    /// <summary>--debias-bins, --debias-alpha, --debias-combine (also used by 'vae debias').</summary>
    public static DebiasOptions ReadDebias(ArgParser p) => new(
        p.GetInt("debias-bins", 1, 1_000_000),
        p.GetDouble("debias-alpha", 0, 1e12),
        p.GetChoice("debias-combine", "max", "product") == "max" ? DebiasCombine.Max : DebiasCombine.Product);

    /// <summary>One line for the start of training, or null when neither option is on.</summary>
    public static string? Describe(TrainOptions o, int trainCount)
    {
        var parts = new List<string>();
        if (o.BiasDigit is int digit)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"training set biased: {o.BiasKeep:0.###} of the {digit}s kept ({trainCount:N0} images)"));
        if (o.Debias is { } d)
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"debias: each epoch draws {trainCount:N0} images by P(μ) ({d.Bins} bins, α {d.Alpha}, {(d.Combine == DebiasCombine.Max ? "max" : "product")})"));
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>The lines "test loss by digit", printed at the end of a biased or debiased run.</summary>
    public static IEnumerable<string> PerLabelLines(VaeModel model, ImageSet test, TrainOptions o)
    {
        var per = PerLabelEvaluation.Run(model, test, batchSize: o.EvalBatchSize, threads: o.Threads, seed: o.Seed);
        yield return "test loss by digit: " + string.Join("  ", per.Select((e, c) =>
            e is { } v ? string.Create(CultureInfo.InvariantCulture, $"{c}: {v.Loss:F2}") : $"{c}: -"));
        if (o.BiasDigit is int digit && per[digit] is { } rare)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"test loss of the rare digit {digit}: {rare.Loss:F2}; of the other digits: {PerLabelEvaluation.MeanLossExcept(per, digit):F2}");
    }
}
