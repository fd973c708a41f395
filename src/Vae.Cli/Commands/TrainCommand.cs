using System.Diagnostics;
using System.Globalization;
using Vae.Analysis;
using Vae.Cli.Runs;
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
            .TrainingOptions(epochsHelp: "train until this many epochs are done (with --resume: the new total)")
            .Threads()
            .ModelOptions()
            .ObjectiveOptions()
            .Option("clip-grad", "0", "clip the global gradient norm to this value (0 = off)", "NORM")
            .DebiasOptions()
            .Flag("resume", "continue the run saved in --out (its resume.safetensors) up to --epochs");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var run = new RunFolder(p.GetRequiredString("out"));
        int epochs = p.GetInt("epochs", 1, 1_000_000);
        int threads = p.GetThreads();
        if (p.GetFlag("resume"))
        {
            var given = p.Given.Where(name => !ResumeOptions.Contains(name)).ToArray();
            if (given.Length > 0)
                throw new UsageException($"--resume continues the saved run as it was; drop --{string.Join(", --", given)}");
            if (!File.Exists(run.Resume)) throw new UsageException($"nothing to resume: {run.Resume} does not exist");
            CommonOptions.LoadModelCheckpoint(run.Resume);   // one line if its model does not fit its dataset
            var saved = ResumableRun.Load(run.Resume, epochs, threads);
            if (saved.State.Epoch >= epochs)
            {
                Console.Out.WriteLine($"{run.Path} already has {saved.State.Epoch} epochs; nothing to do (raise --epochs to train more)");
                return ExitCodes.Ok;
            }
            CommonOptions.EnsureWritableFolder(run.Path);
            var data = Datasets.Get(saved.Config.Dataset);
            var (savedTrain, savedTest) = CommonOptions.LoadDataset(data, p.GetDataDir(data));
            savedTrain = saved.Config.TrainingSet(savedTrain);
            var trainer = saved.Continue(run.Resume, savedTrain);
            return Train(run, saved.Config, trainer, savedTrain, savedTest, resumed: true, StopWhen);
        }

        var dataset = p.GetDataset();
        var config = new RunConfig(dataset.Name, p.GetModelConfig(), p.GetTrainOptions(epochs, threads) with
        {
            Objective = p.GetObjective(),
            ClipGradNorm = (float)p.GetDouble("clip-grad", 0, 1e9),
        });
        config = config with { Options = DebiasRunOptions.Read(p, config.Options) };
        config.Options.Objective.Validate(config.Model);
        var model = new VaeModel(config.Model);
        CommonOptions.EnsureWritableFolder(run.Path);
        var (train, test) = CommonOptions.LoadDataset(dataset, p.GetDataDir(dataset));
        CommonOptions.CheckImageSize(dataset, model);
        train = config.TrainingSet(train);
        return Train(run, config, new Trainer(model, config.Options, train.Count), train, test, resumed: false, StopWhen);
    }

    /// <summary>The training loop of the command: epochs, then metrics, pictures and checkpoints after each.</summary>
    public static int Train(RunFolder run, RunConfig config, Trainer trainer, ImageSet train, ImageSet test,
        bool resumed, Func<bool>? stopWhen = null)
    {
        var (model, options) = (trainer.Model, trainer.Options);
        var resumeState = resumed ? trainer.State : null;
        if (resumeState == null) run.StartMetrics(); else run.TrimMetrics(resumeState.Epoch);
        if (resumeState == null || !File.Exists(run.KlPerDim)) run.StartKlPerDim(model.Latent);
        var activity = new LatentActivity(options.EvalBatchSize, options.Threads);   // buffers reused every epoch
        var runMetadata = config.ToMetadata(train);
        int[] shown = Enumerable.Range(0, Math.Min(8, test.Count)).ToArray();   // the test digits in reconstruction_E.png

        Console.Out.WriteLine($"model {model.Config}, {model.Parameters.Count:N0} parameters; " +
            $"{train.Count:N0} training and {test.Count:N0} test images; batch {options.BatchSize}, lr {options.LearningRate}, " +
            $"{options.Objective.Describe()}, seed {options.Seed}, {(options.Threads == 0 ? Environment.ProcessorCount : options.Threads)} threads");
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
                Console.Out.WriteLine($"continue with: vae train --out {run.Path} --resume --epochs {options.Epochs}" +
                    $" --threads {options.Threads}");
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
}
