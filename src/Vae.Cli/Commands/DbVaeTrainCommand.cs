using System.Globalization;
using System.Text;
using Vae.Analysis;
using Vae.Cli.Runs;
using Vae.Data;
using Vae.IO;
using Vae.Lecture;
using Vae.Model;
using Vae.Objectives;
using Vae.Training;

namespace Vae.Cli.Commands;

/// <summary>
/// <c>vae dbvae-train</c>: trains one DB-VAE digit detector (MNIST digits vs Fashion-MNIST items, A rare among the
/// training digits) and writes its checkpoints and per-epoch subgroup scores.
/// </summary>
public sealed class DbVaeTrainCommand : ICommand
{
    public string Name => "dbvae-train";
    public string Summary => "train one DB-VAE digit detector (classifier head + VAE on the digits, positives " +
        "resampled by latent density)";

    public const string MetricsHeader =
        "epoch,train_loss,train_recon,train_kl,tpr_a,tpr_other,gap,worst_group_accuracy,accuracy,fpr," +
        "mean_p_a_over_uniform,share_a_drawn,ess_fraction,seconds";

    /// <summary>Test seam: asked before every step; true stops the run there exactly as Ctrl-C would.</summary>
    internal Func<bool>? StopWhen { get; init; }

    private static readonly string[] ResumeOptions = ["data", "fashion-data", "out", "epochs", "threads", "resume"];
    private static readonly string[] RunFiles = ["model.safetensors", "resume.safetensors", "metrics.csv"];

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ". Loss per image: BCE(y, ŷ) + y·λ·(recon + β·KL); each batch half " +
            "digits " +
                "(drawn by P), half items (uniform). See docs/debiasing.md.")
            .DetectionData()
            .Option("out", "dbvae", "output folder (model.safetensors, resume.safetensors, metrics.csv)", "DIR")
            .Option("epochs", "3", "train until this many epochs are done (with --resume: the new total)", "N")
            .Option("batch-size", "64", "images per step, half digits and half items (even)", "B")
            .Option("lr", "1e-3", "Adam learning rate", "LR")
            .Option("seed", "1", "seed for the data draw, initialisation, sampling and ε", "S")
            .Option("hidden", "400", "hidden layer sizes", "LIST")
            .Option("latent", "20", "latent dimensions", "J")
            .DetectionOptions()
            .DetectorLossOptions()
            .Threads()
            .Flag("resume", "continue the run saved in --out (its resume.safetensors) up to --epochs")
            .Flag("overwrite", "start a new run in an --out that already holds one (its files are replaced)");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        string outDir = p.GetRequiredString("out");
        int epochs = p.GetInt("epochs", 1, 1_000_000);
        int threads = p.GetThreads();
        string model = Path.Combine(outDir, "model.safetensors"), resume = Path.Combine(outDir, "resume.safetensors");
        string metrics = Path.Combine(outDir, "metrics.csv");
        if (p.GetFlag("resume"))
        {
            var given = p.Given.Where(n => !ResumeOptions.Contains(n)).ToArray();
            if (given.Length > 0) throw new UsageException($"--resume continues the saved run as it was; drop " +
                $"--{string.Join(", --", given)}");
            if (!File.Exists(resume)) throw new UsageException($"nothing to resume: {resume} does not exist");
        }
        if (p.GetFlag("resume") && p.GetFlag("overwrite")) throw new UsageException("--overwrite starts afresh; " +
            "drop --resume");
        if (!p.GetFlag("resume") && !p.GetFlag("overwrite") && RunFiles.FirstOrDefault(f => File.Exists(Path.Combine(outDir, f)))
            is { } existing)
            throw new UsageException($"{Path.Combine(outDir, existing)} exists: continue it with --resume, or give " +
                $"another " +
                "--out, or --overwrite to start afresh");
        CommonOptions.EnsureWritableFolder(outDir);
        var (digitsTrain, digitsTest, itemsTrain, itemsTest) = p.LoadDetectionData();

        DetectorRunConfig config;
        DetectorTrainer trainer;
        DetectionSet train, test;
        if (p.GetFlag("resume"))
        {
            (DetectionSet, DetectionSet)? sets = null;
            (config, trainer) = DetectorRunConfig.Resume(resume, epochs, threads, c =>
            {
                sets = c.Data.Build(digitsTrain, digitsTest, itemsTrain, itemsTest, c.Options.Seed);
                return sets.Value.Item1;
            });
            (train, test) = sets!.Value;
            if (trainer.State.Epoch >= epochs)
            {
                Console.Out.WriteLine($"{outDir} already has {trainer.State.Epoch} epochs; nothing to do (raise " +
                    $"--epochs to train more)");
                return ExitCodes.Ok;
            }
            Console.Out.WriteLine($"resuming {outDir} after epoch {trainer.State.Epoch}" +
                (trainer.State.BatchInEpoch > 0 ? $", batch {trainer.State.BatchInEpoch}" : ""));
            TrimMetrics(metrics, trainer.State.Epoch);
        }
        else
        {
            var options = p.GetDetectorOptions(epochs, threads);
            var modelConfig = ClassifierObjective.WithHead(new VaeConfig
            {
                Hidden = p.GetIntList("hidden", 1, 100_000),
                Latent = p.GetInt("latent", 1, 100_000),
            });
            config = new DetectorRunConfig(p.GetDetectionSetup(), modelConfig, options);
            (train, test) = config.Data.Build(digitsTrain, digitsTest, itemsTrain, itemsTest, options.Seed);
            trainer = new DetectorTrainer(new VaeModel(modelConfig), options, train);
            AtomicFile.WriteAllBytes(metrics, Encoding.UTF8.GetBytes(MetricsHeader + "\n"));
        }
        var o = config.Options;
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine($"model {config.Model}, {trainer.Model.Parameters.Count:N0} parameters; " +
            $"{o.Objective.Describe()}; " +
            $"positives {DetectorOptions.Name(o.Sampling)}" + (o.Sampling == PositiveSampling.LatentDensity
                ? string.Create(inv, $" ({o.Debias.CombineName}, α {o.Debias.Alpha}, {o.Debias.Bins} bins, τ " +
                    $"{o.Debias.Power}, cap {o.Debias.Cap}×)") : "") +
            $"; batch {o.BatchSize}, lr {o.LearningRate}, seed {o.Seed}");
        Console.Out.WriteLine($"training: {train.Positives.Count:N0} digits ({train.PositivesWithA} " +
            $"{DetectionSet.Name(train.Attribute)}), " +
            $"{train.Negatives.Count:N0} items ({train.NegativesWithA} {DetectionSet.Name(train.Attribute)}); test: " +
            $"{test.Positives.Count:N0} digits ({test.PositivesWithA}), {test.Negatives.Count:N0} items " +
                $"({test.NegativesWithA})");

        var metadata = config.ToMetadata(train);
        using var stop = new StopSignal();
        var progress = new ProgressLine();
        while (trainer.State.Epoch < epochs)
        {
            trainer.PrepareEpoch();
            var (pA, share, ess) = trainer.Probabilities is { } prob
                ? DetectorExperiment.Diagnose(Array.ConvertAll(prob, v => (double)v), trainer.PositiveOrder, train.PositiveHasA)
                : (1.0, DetectorExperiment.Diagnose(new double[train.Positives.Count], trainer.PositiveOrder, train.PositiveHasA).ShareADrawn, 1.0);
            EpochResult result;
            try { result = trainer.RunEpoch(() => stop.Requested || StopWhen?.Invoke() == true, progress.Report); }
            catch (NonFiniteLossException e)
            {
                progress.Finish();
                Console.Error.WriteLine($"vae {Name}: {e.Message}; stopped. The last good checkpoint is {model} " +
                    $"(try a smaller --lr)");
                return ExitCodes.NonFinite;
            }
            progress.Finish();
            if (!result.Completed)
            {
                Checkpoint.Save(resume, trainer.Model, metadata, trainer.Optimizer, trainer.Capture());
                Console.Out.WriteLine($"interrupted in epoch {trainer.State.Epoch + 1} after batch " +
                    $"{trainer.State.BatchInEpoch}; saved {resume}");
                Console.Out.WriteLine($"continue with: vae {Name} --out {outDir} --resume --epochs {epochs}");
                return ExitCodes.Interrupted;
            }
            var s = DetectorEvaluation.Run(trainer.Model, test, o.EvalBatchSize, o.Threads);
            var t = result.Train;
            File.AppendAllText(metrics, string.Create(inv,
                $"{result.Epoch},{t.MeanLoss:R},{t.MeanReconstruction:R},{t.MeanKl:R},{s.TprA:R},{s.TprOther:R},{s.Gap:R}," +
                $"{s.WorstGroupAccuracy:R},{s.Accuracy:R},{s.Fpr:R},{pA:R},{share:R},{ess:R},{result.Seconds:F2}\n"));
            var epochMetadata = new Dictionary<string, string>(metadata) { ["epoch"] = result.Epoch.ToString(inv) };
            Checkpoint.Save(model, trainer.Model, epochMetadata);
            Checkpoint.Save(resume, trainer.Model, epochMetadata, trainer.Optimizer, trainer.Capture());
            Console.Out.WriteLine(string.Create(inv,
                $"epoch {result.Epoch,3}  loss {t.MeanLoss:F4} (digits' recon {t.MeanReconstruction:F1}, kl " +
                    $"{t.MeanKl:F1})  " +
                $"test TPR {DetectionSet.Name(train.Attribute)} {s.TprA:F3} other {s.TprOther:F3} gap {s.Gap:F3}  " +
                    $"acc {s.Accuracy:F4}  " +
                $"FPR {s.Fpr:F4}  | P(A) {pA:F1}× uniform, A drawn {share:P1}, ESS {ess:P1}  " +
                    $"{result.ImagesPerSecond:N0} img/s"));
        }
        Console.Out.WriteLine($"done: {metrics}, {model}, {resume}");
        return ExitCodes.Ok;
    }

    /// <summary>Keeps the header and the rows of epochs ≤ <paramref name="epochsDone"/> (a crash between
    /// writes).</summary>
    private static void TrimMetrics(string metrics, int epochsDone)
    {
        var keep = new List<string> { MetricsHeader };
        if (File.Exists(metrics))
            keep.AddRange(File.ReadAllLines(metrics).Skip(1).Where(l =>
                int.TryParse(l.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int e) && e <= epochsDone));
        AtomicFile.WriteAllBytes(metrics, Encoding.UTF8.GetBytes(string.Join('\n', keep) + "\n"));
    }
}
