using System.Diagnostics;
using System.Globalization;
using Vae.Cli.Training;
using Vae.Data;
using Vae.Model;
using Vae.Training;

namespace Vae.Cli.Commands;

/// <summary><c>vae train</c>: gets MNIST, trains the VAE, and writes metrics, pictures and checkpoints each epoch.</summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train a VAE (or autoencoder) on MNIST; metrics, pictures and checkpoints go to --out";

    /// <summary>What --resume may be given; every other option describes the run, which the checkpoint fixes.</summary>
    private static readonly string[] ResumeOptions = ["data", "out", "epochs", "threads", "resume"];

    /// <summary>
    /// Test seam: asked before every step besides the signals; true stops the run there exactly as Ctrl-C would
    /// (checkpoint, metrics, exit 130), so tests can interrupt at a chosen step without racing a signal.
    /// </summary>
    internal Func<bool>? StopWhen { get; init; }

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Data()
            .Option("out", "results", "output folder", "DIR")
            .Option("epochs", "10", "train until this many epochs are done (with --resume: the new total)", "N")
            .Option("batch-size", "128", "images per step", "B")
            .Option("lr", "1e-3", "Adam learning rate", "LR")
            .Option("seed", "1", "seed for initialisation, shuffling and ε", "S")
            .Threads()
            .ModelOptions()
            .Option("beta", "1", "weight β of the KL term (β > 1: β-VAE)", "B")
            .Option("kl-warmup", "0", "ramp β linearly from 0 over this many epochs (fractions allowed; 0 = off)", "E")
            .Option("capacity", null, "capacity objective (Burgess et al. 2018): loss = recon + γ·|KL − C_t|, C_t rising to C nats (replaces β)", "C")
            .Option("capacity-iters", "10000", "steps over which C_t rises linearly from 0 to --capacity", "N")
            .Option("gamma", "100", "γ of the capacity objective", "G")
            .Option("clip-grad", "0", "clip the global gradient norm to this value (0 = off)", "NORM")
            .DebiasOptions()
            .Flag("resume", "continue the run saved in --out (its resume.safetensors) up to --epochs");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var run = new RunFolder(p.GetRequiredString("out"));
        int epochs = p.GetInt("epochs", 1, 1_000_000);
        int threads = p.GetThreads();
        bool resume = p.GetFlag("resume");
        VaeModel model;
        TrainOptions options;
        TrainingState? state = null;
        Nn.Adam? adam = null;
        if (resume)
        {
            var given = p.Given.Where(name => !ResumeOptions.Contains(name)).ToArray();
            if (given.Length > 0)
                throw new UsageException($"--resume continues the saved run as it was; drop --{string.Join(", --", given)}");
            if (!File.Exists(run.Resume)) throw new UsageException($"nothing to resume: {run.Resume} does not exist");
            var loaded = CommonOptions.LoadMnistCheckpoint(run.Resume);
            if (loaded.State == null || loaded.Optimizer == null)
                throw new InvalidInputFileException(run.Resume, "holds no optimizer state or training position");
            model = loaded.Model;
            state = loaded.State;
            adam = loaded.Optimizer;
            options = OptionsFromMetadata(run.Resume, loaded.Metadata) with { Epochs = epochs, Threads = threads };
            if (state.Epoch >= epochs)
            {
                Console.Out.WriteLine($"{run.Path} already has {state.Epoch} epochs; nothing to do (raise --epochs to train more)");
                return ExitCodes.Ok;
            }
        }
        else
        {
            var config = p.GetModelConfig();
            options = new TrainOptions
            {
                Epochs = epochs,
                BatchSize = p.GetInt("batch-size", 1, 1_000_000),
                LearningRate = (float)p.GetDouble("lr", 0, 10, minExclusive: true),
                Seed = (ulong)p.GetInt("seed", 0),
                Threads = threads,
                Beta = (float)p.GetDouble("beta", 0, 1e6),
                KlWarmupEpochs = p.GetDouble("kl-warmup", 0, 1e6),
                Capacity = p.Has("capacity") ? (float)p.GetDouble("capacity", 0, 1e6) : null,
                CapacityIters = p.GetInt("capacity-iters", 0),
                Gamma = (float)p.GetDouble("gamma", 0, 1e9),
                ClipGradNorm = (float)p.GetDouble("clip-grad", 0, 1e9),
            };
            options = DebiasRunOptions.Read(p, options);
            model = new VaeModel(config);
            if (options.Capacity != null && (p.Has("beta") || p.Has("kl-warmup")))
                throw new UsageException("--capacity replaces β: drop --beta and --kl-warmup (or drop --capacity)");
            if (options.Capacity == null && (p.Has("capacity-iters") || p.Has("gamma")))
                throw new UsageException("--capacity-iters and --gamma belong to --capacity C");
        }
        CommonOptions.EnsureWritableFolder(run.Path);
        var (train, test) = CommonOptions.LoadMnist(p.GetRequiredString("data"));
        train = DebiasRunOptions.TrainingSet(train, options);
        return Train(run, model, options, train, test, state, adam, StopWhen);
    }

    /// <summary>The training loop of the command: epochs, then metrics, pictures and checkpoints after each.</summary>
    public static int Train(RunFolder run, VaeModel model, TrainOptions options, MnistSet train, MnistSet test,
        TrainingState? resumeState = null, Nn.Adam? optimizer = null, Func<bool>? stopWhen = null)
    {
        var trainer = new Trainer(model, options, train.Count, resumeState, optimizer);   // its Objective: KlSchedule
        if (resumeState == null) run.StartMetrics(); else run.TrimMetrics(resumeState.Epoch);
        if (resumeState == null || !File.Exists(run.KlPerDim)) run.StartKlPerDim(model.Latent);
        var activity = new Lecture.LatentActivity(options.EvalBatchSize, options.Threads);   // buffers reused every epoch
        var runMetadata = Metadata(options);
        int[] shown = Enumerable.Range(0, Math.Min(8, test.Count)).ToArray();   // the test digits in reconstruction_E.png

        Console.Out.WriteLine($"model {model.Config}, {model.Parameters.Count:N0} parameters; " +
            $"{train.Count:N0} training and {test.Count:N0} test images; batch {options.BatchSize}, lr {options.LearningRate}, " +
            $"{ObjectiveText(options)}, seed {options.Seed}, {(options.Threads == 0 ? Environment.ProcessorCount : options.Threads)} threads");
        if (resumeState != null)
            Console.Out.WriteLine($"resuming {run.Path} after epoch {resumeState.Epoch}" +
                (resumeState.BatchInEpoch > 0 ? $", batch {resumeState.BatchInEpoch}" : ""));
        if (DebiasRunOptions.Describe(options, train.Count) is { } debiasLine) Console.Out.WriteLine(debiasLine);

        using var stop = new StopSignal();
        var progress = new ProgressLine();
        while (trainer.State.Epoch < options.Epochs)
        {
            EpochResult result;
            try
            {
                result = trainer.RunEpoch(train, () => stop.Requested || stopWhen?.Invoke() == true, progress.Report);
            }
            catch (NonFiniteLossException e)
            {
                progress.Finish();
                Console.Error.WriteLine($"vae train: {e.Message}; stopped. The last good checkpoint is {run.Model} " +
                    "(try a smaller --lr or --clip-grad)");
                return ExitCodes.NonFinite;
            }
            progress.Finish();
            if (!result.Completed)
            {
                Checkpoint.Save(run.Resume, model, runMetadata, trainer.Optimizer, trainer.Capture());
                var s = trainer.State;
                Console.Out.WriteLine($"interrupted in epoch {s.Epoch + 1} after batch {s.BatchInEpoch}; saved {run.Resume} " +
                    $"and {run.Metrics} ({s.Epoch} finished epochs).");
                Console.Out.WriteLine($"continue with: vae train --out {run.Path} --resume --epochs {options.Epochs}");
                return ExitCodes.Interrupted;
            }

            var afterTraining = Stopwatch.StartNew();
            var eval = trainer.Evaluate(test);
            int epoch = result.Epoch;
            run.WritePicture(run.Reconstruction(epoch), Pictures.Reconstructions(model, test, shown));
            run.WritePicture(run.Sample(epoch), Pictures.Samples(model, 64, options.Seed));
            // seconds = the epoch's training time plus its evaluation and pictures (checkpoint writing excluded).
            var latent = activity.Measure(model, test);
            run.AppendMetrics(result, eval, result.Seconds + afterTraining.Elapsed.TotalSeconds, latent.ActiveUnits);
            run.AppendKlPerDim(epoch, latent.Kl);
            RunReport.Write(run, model, runMetadata, epoch, options.Epochs, latent);
            var epochMetadata = new Dictionary<string, string>(runMetadata)
            {
                ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["test_loss"] = RunFolder.F(eval.Loss),
            };
            Checkpoint.Save(run.Model, model, epochMetadata);
            Checkpoint.Save(run.Resume, model, epochMetadata, trainer.Optimizer, trainer.Capture());

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch,3}  train {result.Train.MeanLoss:F2} (recon {result.Train.MeanReconstruction:F2} + kl {result.Train.MeanKl:F2})" +
                $"  test {eval.Loss:F2} (recon {eval.Reconstruction:F2} + kl {eval.Kl:F2})  active units {latent.ActiveUnits}/{model.Latent}" +
                $"  {result.ImagesPerSecond:N0} img/s"));
        }
        if (options.Debias != null || options.BiasDigit != null)
            foreach (var line in DebiasRunOptions.PerLabelLines(model, test, options)) Console.Out.WriteLine(line);
        Console.Out.WriteLine($"done: {run.Metrics}, {run.Model}, {run.Report}, pictures in {run.Path}");
        return ExitCodes.Ok;
    }

    private static string ObjectiveText(TrainOptions o) =>
        o.Capacity is float c ? $"capacity C {c} over {o.CapacityIters} steps, γ {o.Gamma}"
        : o.KlWarmupEpochs > 0 ? $"β {o.Beta} (warm-up {o.KlWarmupEpochs} epochs)" : $"β {o.Beta}";

    /// <summary>The run's options as train.* checkpoint metadata; <see cref="OptionsFromMetadata"/> reads them back.</summary>
    private static Dictionary<string, string> Metadata(TrainOptions o)
    {
        var m = new Dictionary<string, string>
        {
            ["train.batch_size"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["train.lr"] = o.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["train.seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["train.beta"] = o.Beta.ToString("R", CultureInfo.InvariantCulture),
            ["train.kl_warmup"] = o.KlWarmupEpochs.ToString("R", CultureInfo.InvariantCulture),
            ["train.capacity"] = o.Capacity is float c ? c.ToString("R", CultureInfo.InvariantCulture) : "off",
            ["train.capacity_iters"] = o.CapacityIters.ToString(CultureInfo.InvariantCulture),
            ["train.gamma"] = o.Gamma.ToString("R", CultureInfo.InvariantCulture),
            ["train.clip_grad"] = o.ClipGradNorm.ToString("R", CultureInfo.InvariantCulture),
        };
        DebiasRunOptions.AddMetadata(m, o);
        return m;
    }

    private static TrainOptions OptionsFromMetadata(string path, IReadOnlyDictionary<string, string> m)
    {
        string Get(string k) => m.TryGetValue(k, out var v) ? v : throw new InvalidInputFileException(path, $"metadata has no '{k}'");
        float F(string k) => float.TryParse(Get(k), NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
            ? v : throw new InvalidInputFileException(path, $"metadata '{k}' is not a number");
        return DebiasRunOptions.FromMetadata(path, m, new TrainOptions
        {
            BatchSize = int.TryParse(Get("train.batch_size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b > 0
                ? b : throw new InvalidInputFileException(path, "metadata 'train.batch_size' is not a positive count"),
            LearningRate = F("train.lr"),
            Seed = ulong.TryParse(Get("train.seed"), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong s)
                ? s : throw new InvalidInputFileException(path, "metadata 'train.seed' is not a seed"),
            Beta = F("train.beta"),
            KlWarmupEpochs = double.TryParse(Get("train.kl_warmup"), NumberStyles.Float, CultureInfo.InvariantCulture, out double e) && e >= 0
                ? e : throw new InvalidInputFileException(path, "metadata 'train.kl_warmup' is not a number of epochs"),   // a double: read as written
            Capacity = Get("train.capacity") == "off" ? null : F("train.capacity"),
            CapacityIters = long.TryParse(Get("train.capacity_iters"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n >= 0
                ? n : throw new InvalidInputFileException(path, "metadata 'train.capacity_iters' is not a count"),
            Gamma = F("train.gamma"),
            ClipGradNorm = F("train.clip_grad"),
        });
    }
}
