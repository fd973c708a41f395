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
            .Flag("resume", "continue the run saved in --out (its resume.safetensors) up to --epochs")
            .Flag("overwrite", "start afresh in an --out that holds a run, deleting that run's files");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        using var run = new RunFolder(p.GetRequiredString("out"));
        int epochs = p.GetInt("epochs", 1, 1_000_000);
        int threads = p.GetThreads();
        if (p.GetFlag("resume"))
        {
            var given = p.Given.Where(name => !ResumeOptions.Contains(name)).ToArray();
            if (given.Length > 0)
                throw new UsageException($"--resume continues the saved run as it was; drop --{string.Join(", --", given)}");
            if (Directory.Exists(run.Path)) run.Lock();   // before reading what another run may be writing
            if (!File.Exists(run.Resume)) throw new UsageException($"nothing to resume: {run.Resume} does not exist");
            CommonOptions.LoadModelCheckpoint(run.Resume);   // one line if its model does not fit its dataset
            var saved = ResumableRun.Load(run.Resume, epochs, threads);
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
            var trainer = saved.Continue(run.Resume, savedTrain);
            return TrainingRun.Run(run, saved.Config, trainer, savedTrain, savedTest, resumed: true, StopWhen, savedDir);
        }

        var dataset = p.GetDataset();
        var config = new RunConfig(dataset.Name, p.GetModelConfig(), p.GetTrainOptions(epochs, threads) with
        {
            Objective = p.GetObjective(),
            ClipGradNorm = (float)p.GetDouble("clip-grad", 0, 1e9),
        });
        config = config with { Options = DebiasRunOptions.Read(p, config.Options) };
        config.Options.Objective.Validate(config.Model);
        CommonOptions.EnsureModelFits(config.Model, Math.Max(config.Options.BatchSize, config.Options.EvalBatchSize));
        var model = new VaeModel(config.Model);
        CommonOptions.EnsureWritableFolder(run.Path);
        run.Lock();   // before anything in the folder is written
        run.CheckEntries();
        run.ClaimForNewRun(p.GetFlag("overwrite"));
        string dataDir = p.GetDataDir(dataset);
        var (train, test) = CommonOptions.LoadDataset(dataset, dataDir);
        CommonOptions.CheckImageSize(dataset, model);
        train = config.TrainingSet(train);
        return TrainingRun.Run(run, config, new Trainer(model, config.Options, train.Count), train, test, resumed: false,
            StopWhen, dataDir);
    }
}
