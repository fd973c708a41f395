using System.Diagnostics;
using System.Globalization;
using Vae.Analysis;
using Vae.Cli.Runs;
using Vae.Data;
using Vae.Model;
using Vae.Training;

namespace Vae.Cli.Commands;

/// <summary><c>vae train</c>: reads its options, builds the run (fresh or resumed) and hands it to <see cref="TrainingRun"/>.</summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train a VAE (or autoencoder) on MNIST or another --dataset; metrics, pictures and checkpoints go to --out";

    /// <summary>What --resume may be given; every other option describes the run, which the checkpoint fixes.</summary>
    private static readonly string[] ResumeOptions = ["data", "out", "epochs", "threads", "resume", "pictures-every",
        "fixed-threads"];

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
            .TrainingOptions(epochsHelp: "train until this many epochs are done (with --resume: the new total; "
                + "with --schedule burda, fresh or resumed, 3,280 unless given)")
            .Threads()
            .Flag("fixed-threads", "run every step on --threads; by default, with more than one, the steps are timed "
                + "on them and on one thread every "
                + ThreadChooser.RunSteps.ToString("N0", CultureInfo.InvariantCulture)
                + " steps and the faster is kept (the same "
                + "bits either way: two cores that exchange data slowly can make one thread faster at small batches)")
            .ModelOptions()
            .ObjectiveOptions()
            .Option("clip-grad", "0", "clip the global gradient norm to this value (0 = off)", "NORM")
            .Option("binarize", "none", "none, or dynamic: every use of a training image draws x ~ "
                + "Bernoulli(intensity); the test images are binarised once, with a fixed seed", "none|dynamic")
            .Option("schedule", "none", $"none, or {BurdaSchedule.Name}: Burda et al.'s Adam ε 1e-4, batch 20 (unless "
                + "--batch-size), 3^i epochs at lr 1e-3·10^(−i/7) for i = 0…7 (3,280 epochs unless --epochs says "
                + "otherwise; any beyond stay at the last rate; --lr is refused); also the defaults of --init and "
                + "--pictures-every", "none|burda")
            .Option("init", null, "initial weights: default (PyTorch's, W, b ~ U(±1/√fan_in)), glorot (W ~ "
                + "U(±√(6/(fan_in+fan_out))), b = 0), or burda (glorot, the output bias at the logit of the mean "
                + "training image, logvar weights ×2: Burda et al.'s code) (default: default; burda with --schedule "
                + "burda)", "default|glorot|burda")
            .Option("pictures-every", null, "draw reconstruction_E.png and sample_E.png after every N-th epoch and "
                + "after the last (default: 1; with --schedule burda the stage ends 1, 4, 13, 40, 121, 364, 1093, "
                + "3280)", "N")
            .DebiasOptions()
            .Flag("resume", "continue the run saved in --out (its resume.safetensors) up to --epochs")
            .Flag("overwrite", "start afresh in an --out that holds a run, deleting that run's files");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        using var run = new RunFolder(p.GetRequiredString("out"));
        int epochs = p.GetInt("epochs", 1, 1_000_000);
        int threads = p.GetThreads();
        int? picturesEvery = p.Has("pictures-every") ? p.GetInt("pictures-every", 1, 1_000_000) : null;
        if (p.GetFlag("resume"))
        {
            var given = p.Given.Where(name => !ResumeOptions.Contains(name)).ToArray();
            if (given.Length > 0)
                throw new UsageException($"--resume continues the saved run as it was; drop --{string.Join(", --", given)}");
            if (Directory.Exists(run.Path)) run.Lock();   // before reading what another run may be writing
            if (!File.Exists(run.Resume)) throw new UsageException($"nothing to resume: {run.Resume} does not exist");
            CommonOptions.LoadModelCheckpoint(run.Resume);   // one line if its model does not fit its dataset
            var saved = ResumableRun.Load(run.Resume, epochs, threads);
            if (!p.Has("epochs") && saved.Config.Options.Schedule == BurdaSchedule.Name)   // the schedule's length
            {
                var whole = saved.Config.Options with { Epochs = BurdaSchedule.TotalEpochs };
                saved = saved with { Config = saved.Config with { Options = whole } };
            }
            epochs = saved.Config.Options.Epochs;
            if (saved.State.Epoch >= epochs)
            {
                Console.Out.WriteLine($"{run.Path} already has {saved.State.Epoch} epochs; nothing to do (raise --epochs to train more)");
                return ExitCodes.Ok;
            }
            CommonOptions.EnsureWritableFolder(run.Path);
            run.CheckEntries();
            var data = Datasets.Get(saved.Config.Dataset);
            string savedDir = p.GetDataDir(data);
            var (savedTrain, savedTest) = CommonOptions.LoadDataset(data, savedDir);
            savedTrain = saved.Config.TrainingSet(savedTrain);
            savedTest = saved.Config.TestSet(savedTest);
            var trainer = saved.Continue(run.Resume, savedTrain);
            if (p.GetFlag("fixed-threads")) trainer.ThreadChoice = null;
            return TrainingRun.Run(run, saved.Config, trainer, savedTrain, savedTest, resumed: true, StopWhen, savedDir,
                PictureCadence.For(picturesEvery, saved.Config.Options.Schedule));
        }

        var dataset = p.GetDataset();
        bool burda = p.GetChoice("schedule", "none", BurdaSchedule.Name) == BurdaSchedule.Name;
        if (burda && p.Has("lr"))
            throw new UsageException("--schedule burda sets every epoch's learning rate: drop --lr");
        var options = p.GetTrainOptions(epochs, threads) with
        {
            Objective = p.GetObjective(),
            ClipGradNorm = (float)p.GetDouble("clip-grad", 0, 1e9),
            AdaptThreads = !p.GetFlag("fixed-threads"),
            Init = p.Has("init") ? WeightInits.Parse(p.GetChoice("init", WeightInits.Names))
                : burda ? WeightInit.Burda : WeightInit.Default,
        };
        if (burda)
            options = options with
            {
                Schedule = BurdaSchedule.Name,
                AdamEpsilon = BurdaSchedule.AdamEpsilon,
                LearningRate = BurdaSchedule.LearningRateAt(1),
                BatchSize = p.Has("batch-size") ? options.BatchSize : BurdaSchedule.BatchSize,
                Epochs = p.Has("epochs") ? options.Epochs : BurdaSchedule.TotalEpochs,
            };
        var config = new RunConfig(dataset.Name, p.GetModelConfig(), options)
        {
            DynamicBinarization = p.GetChoice("binarize", "none", "dynamic") == "dynamic",
        };
        config = config with { Options = DebiasRunOptions.Read(p, config.Options) };
        CommonOptions.EnsureTrainable(config.Model, config.Options.Objective, config.Options.BatchSize,
            evalBatch: config.Options.EvalBatchSize);
        var model = new VaeModel(config.Model);
        CommonOptions.EnsureWritableFolder(run.Path);
        run.Lock();   // before anything in the folder is written
        run.CheckEntries();
        run.ClaimForNewRun(p.GetFlag("overwrite"));
        string dataDir = p.GetDataDir(dataset);
        var (train, test) = CommonOptions.LoadDataset(dataset, dataDir);
        CommonOptions.CheckImageSize(dataset, model);
        train = config.TrainingSet(train);
        test = config.TestSet(test);
        return TrainingRun.Run(run, config, new Trainer(model, config.Options, train), train, test, resumed: false,
            StopWhen, dataDir, PictureCadence.For(picturesEvery, config.Options.Schedule));
    }
}
