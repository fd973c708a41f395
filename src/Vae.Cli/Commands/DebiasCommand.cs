using System.Globalization;
using System.Text;
using Vae.Cli.Runs;
using Vae.Imaging;
using Vae.IO;
using Vae.Lecture;
using Vae.Training;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary>
/// <c>vae resampling-weights</c>: the latent-density sampling probabilities (the sampler of DB-VAE, Amini et al. 2019)
/// of the training set under a checkpoint's encoder: weights.csv, a picture of the most and least likely digits, and
/// the effective sample size.
/// </summary>
public sealed class DebiasCommand : ICommand
{
    public string Name => "resampling-weights";
    public string Summary => "latent-density resampling weights: sampling probabilities of the training images from " +
        "the density of their μ";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ". The training set is the checkpoint's own (biased when it was trained " +
                "with --bias-digit).")
            .Checkpoint()
            .Data()
            .Option("out", "resampling-weights", "output folder (weights.csv, debias.png)", "DIR")
            .Option("bins", "10", "histogram bins per latent dimension", "N")
            .Option("alpha", "0.001", "smoothing α added to each bin's density", "A")
            .Option("combine", "max", "combine the per-dimension weights by their max or their product", "max|product")
            .Threads();
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var options = new DebiasOptions(p.GetInt("bins", 1, 1_000_000), p.GetDouble("alpha", 0, 1e12),
            p.GetChoice("combine", "max", "product") == "max" ? DebiasCombine.Max : DebiasCombine.Product);
        int threads = p.GetThreads();
        string outDir = p.GetRequiredString("out");
        var loaded = p.LoadCheckpoint();
        p.EnsureOutputFolder(outDir, "weights.csv", "debias.png");
        var (train, _) = p.LoadData(loaded);
        // The set the model trained on: a checkpoint of a biased run rebuilds its biased set.
        var trainOptions = new TrainOptions();
        if (loaded.Metadata.ContainsKey("train.batch_size"))
        {
            try
            {
                var run = RunConfig.FromMetadata(loaded.Metadata, 1, threads);
                (train, trainOptions) = (run.TrainingSet(train), run.Options);
            }
            catch (FormatException e) { throw new InvalidInputFileException(p.GetRequiredString("checkpoint"), e.Message); }
        }

        var codes = LatentCodes.Encode(loaded.Model, train, threads: threads);
        var prob = Debias.Probabilities(codes.Mu, codes.Count, codes.Latent, options);

        var csv = new StringBuilder("index,label,probability\n");
        for (int i = 0; i < prob.Length; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{i},{train.Labels[i]},{prob[i]:R}\n");
        string weights = Path.Combine(outDir, "weights.csv"), picture = Path.Combine(outDir, "debias.png");
        AtomicFile.WriteAllBytes(weights, Encoding.UTF8.GetBytes(csv.ToString()));
        Png.Write(picture, Debias.Picture(train, prob));

        var inv = CultureInfo.InvariantCulture;
        double ess = Debias.EffectiveSampleSize(prob);
        Console.Out.WriteLine($"model {loaded.Model.Config}; {train.Count:N0} training images" +
            (trainOptions.BiasDigit is int d ? string.Create(inv, $" (biased: {trainOptions.BiasKeep:0.###} of the {d}s kept)") : "") +
            string.Create(inv, $"; {options.Bins} bins, α {options.Alpha}, {(options.Combine == DebiasCombine.Max ? "max" : "product")}"));
        Console.Out.WriteLine(string.Create(inv, $"effective sample size (ΣP)²/ΣP² = {ess:F0} of {train.Count} ({100 * ess / train.Count:F1}%)"));
        var byLabel = Debias.MeanByLabel(prob, train.Labels);
        Console.Out.WriteLine("mean P by digit, as a multiple of uniform 1/N: " + string.Join("  ",
            byLabel.Select((v, c) => double.IsNaN(v) ? $"{c}: -" : string.Create(inv, $"{c}: {v * train.Count:F2}"))));
        Console.Out.WriteLine($"wrote {weights} and {picture} (the 64 most and 64 least likely training digits)");
        return ExitCodes.Ok;
    }
}
