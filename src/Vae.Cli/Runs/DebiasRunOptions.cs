using System.Globalization;
using Vae.Data;
using Vae.Analysis;
using Vae.Model;
using Vae.Training;

namespace Vae.Cli.Runs;

/// <summary>
/// The resampling options of <c>vae train</c> (latent-density resampling of a plain VAE's training set, and the biased
/// training set of its demonstration): declaring and reading them (their checkpoint metadata is RunConfig's). This is
/// the sampler of DB-VAE without its detector; the DB-VAE itself is <c>vae dbvae-train</c>.
/// </summary>
public static class DebiasRunOptions
{
    public static ArgParser DebiasOptions(this ArgParser p) => p
        .Flag("resample-latent", "latent-density resampling: draw each epoch's images with replacement, rare latent " +
            "regions " +
            "more often (see 'vae resampling-weights'; the DB-VAE detector is 'vae dbvae-train')")
        .Option("resample-bins", "10", "with --resample-latent: histogram bins per latent dimension", "N")
        .Option("resample-alpha", "0.001", "with --resample-latent: smoothing α added to each bin's density", "A")
        .Option("resample-combine", "max", "with --resample-latent: combine the per-dimension weights by their max " +
            "or product", "max|product")
        .Option("bias-digit", null, "make this digit rare in the training set (the test set is unchanged)", "D")
        .Option("bias-keep", "0.05", "with --bias-digit: the fraction of that digit's training images kept (seeded choice)", "F");

    /// <summary>The options as given on the command line, added to <paramref name="o"/>.</summary>
    public static TrainOptions Read(ArgParser p, TrainOptions o)
    {
        bool debias = p.GetFlag("resample-latent");
        if (!debias && (p.Has("resample-bins") || p.Has("resample-alpha") || p.Has("resample-combine")))
            throw new UsageException("--resample-bins, --resample-alpha and --resample-combine belong to " +
                "--resample-latent");
        if (!p.Has("bias-digit") && p.Has("bias-keep")) throw new UsageException("--bias-keep belongs to --bias-digit D");
        return o with
        {
            Debias = debias ? ReadDebias(p) : null,
            BiasDigit = p.Has("bias-digit") ? p.GetInt("bias-digit", 0, 9) : null,
            BiasKeep = p.Has("bias-digit") ? p.GetDouble("bias-keep", 0, 1) : 1,
        };
    }

    /// <summary>--resample-bins, --resample-alpha, --resample-combine.</summary>
    public static DebiasOptions ReadDebias(ArgParser p) => new(
        p.GetInt("resample-bins", 1, 1_000_000),
        p.GetDouble("resample-alpha", 0, 1e12),
        p.GetChoice("resample-combine", "max", "product") == "max" ? DebiasCombine.Max : DebiasCombine.Product);

    /// <summary>One line for the start of training, or null when neither option is on.</summary>
    public static string? Describe(TrainOptions o, int trainCount)
    {
        var parts = new List<string>();
        if (o.BiasDigit is int digit)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"training set biased: {o.BiasKeep:0.###} of the {digit}s kept ({trainCount:N0} images)"));
        if (o.Debias is { } d)
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"latent-density resampling: each epoch draws {trainCount:N0} images by P(μ) ({d.Bins} bins, α " +
                    $"{d.Alpha}, {(d.Combine == DebiasCombine.Max ? "max" : "product")})"));
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>The lines "test loss by digit", printed at the end of a biased or resampled run.</summary>
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
