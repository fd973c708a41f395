using System.Globalization;
using Vae.Model;
using Vae.Training;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary><c>vae eval</c>: test loss (negative ELBO), its two parts, and optionally the importance-weighted bound.</summary>
public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Summary => "test-set loss (reconstruction + KL) and active units of a checkpoint, optionally the " +
        "IWAE estimate of −log p(x); a --binarize dynamic run's on the fixed binarised test digits";

    /// <summary>An IWAE evaluation expected to take longer than this earns a note on stderr (tests set it).</summary>
    internal TimeSpan LongWork { get; init; } = TimeSpan.FromMinutes(10);

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Checkpoint()
            .Data()
            .Option("iwae", "0", "also estimate −log p(x) with K importance samples per image " +
                $"(0 = off, at most {ImportanceWeighted.MaxRows})", "K")
            .Option("seed", "1", "seed for the evaluation's ε", "S")
            .Option("images", "0", "evaluate only the first N test images (0 = all)", "N")
            .Flag("per-class", "also the test loss of each digit's images")
            .Threads();
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        int k = p.GetInt("iwae", 0, ImportanceWeighted.MaxRows);
        ulong seed = (ulong)p.GetInt("seed", 0);
        int threads = p.GetThreads();
        var loaded = p.LoadCheckpoint();
        if (k > 0 && !loaded.Model.IsVariational) throw new UsageException("--iwae needs a VAE checkpoint, not an autoencoder");
        var (train, test) = p.LoadData(loaded);
        var dataset = p.GetDataset(loaded.Metadata.GetValueOrDefault("data.name"));
        if (RunConfig.TrainingDataMismatch(loaded.Metadata, dataset.Name, train) is string why)
            Console.Error.WriteLine($"note: {why} in {p.GetDataDir(dataset)}: the test images evaluated are that " +
                "folder's, maybe not the model's dataset");
        bool binary = loaded.Metadata.GetValueOrDefault("data.binarize") == "dynamic";
        if (binary) test = Data.Binarization.Once(test);   // the fixed binary test set of every binarised run
        int images = p.GetInt("images", 0, int.MaxValue);
        if (images > test.Count)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"option '--images' must be between 0 and {test.Count} (the test images there are), got {images}"));
        if (images > 0 && images < test.Count) test = Data.Subsets.Select(test, Enumerable.Range(0, images).ToArray());

        var e = Evaluator.Of(loaded.Model, test, 1000, threads, seed);
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine($"model {loaded.Model.Config} on {e.Images:N0} " +
            $"{(binary ? $"binarised (seed {Data.Binarization.TestSeed}) " : "")}test images (nats per image):");
        Console.Out.WriteLine(string.Create(inv, $"  test loss {e.Loss:F3}  = reconstruction {e.Reconstruction:F3} + KL {e.Kl:F3}"));
        if (loaded.Model.IsVariational)
        {
            int active = new LatentActivity(1000, threads).Measure(loaded.Model, test).ActiveUnits;
            Console.Out.WriteLine($"  active units {active}/{loaded.Model.Latent}  " +
                $"(Var_x μ_j(x) > {LatentActivity.ActiveVariance}, Burda et al. 2016)");
        }
        if (k > 0)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var progress = new ProgressLine();
            bool warned = false;
            void Report(int done, int total)
            {
                var eta = progress.Report($"importance sampling (K = {k}): images", done, total);
                // The cost grows with K·N: say so once the first batch has measured this machine's speed.
                if (!warned && done < total && eta > LongWork)
                {
                    warned = true;
                    progress.Finish();
                    Console.Error.WriteLine($"note: K = {k} over {total:N0} images will take about " +
                        $"{ProgressLine.Eta(eta)} more; a smaller --iwae K gives a looser bound much sooner " +
                            $"(Ctrl-C stops)");
                }
            }
            double nll = ImportanceWeighted.NegativeLogLikelihood(loaded.Model, test, k, threads, seed,
                progress: Report);
            progress.Finish();
            Console.Out.WriteLine(string.Create(inv, $"  −log p(x) ≈ {nll:F3}  (importance-weighted, K = {k}; " +
                $"the ELBO bound is {e.Loss:F3}; {clock.Elapsed.TotalSeconds:F0} s)"));
        }
        if (p.GetFlag("per-class"))
        {
            var per = PerLabelEvaluation.Run(loaded.Model, test, batchSize: 1000, threads: threads, seed: seed);
            for (int c = 0; c < per.Length; c++)
                if (per[c] is { } pc)
                    Console.Out.WriteLine(string.Create(inv, $"  digit {c}: test loss {pc.Loss:F3} = {pc.Reconstruction:F3} + {pc.Kl:F3} ({pc.Images} images)"));
        }
        return ExitCodes.Ok;
    }
}
