using System.Diagnostics;
using System.Globalization;
using Vae.Analysis;
using Vae.Data;
using Vae.Model;
using Vae.Training;

namespace Vae.Cli.Runs;

/// <summary>
/// The epochs of <c>vae train</c> and what each leaves in the run folder: train (with a progress line and Ctrl-C
/// saving a resumable checkpoint), evaluate, draw (at the epochs <see cref="PictureCadence"/> picks), append metrics,
/// rewrite the report, save both checkpoints, print one line. The trainer is built by the command, fresh or resumed.
/// </summary>
public static class TrainingRun
{
    /// <summary>The training loop of the command: epochs, then metrics, pictures (when
    /// <paramref name="pictures"/> says; every epoch by default) and checkpoints after each.</summary>
    public static int Run(RunFolder run, RunConfig config, Trainer trainer, ImageSet train, ImageSet test,
        bool resumed, Func<bool>? stopWhen = null, string? dataDir = null, PictureCadence? pictures = null)
    {
        pictures ??= PictureCadence.EachEpoch;
        var (model, options) = (trainer.Model, trainer.Options);
        var resumeState = resumed ? trainer.State : null;
        if (resumeState == null) run.StartMetrics(); else run.TrimMetrics(resumeState.Epoch);
        if (resumeState == null || !File.Exists(run.KlPerDim)) run.StartKlPerDim(model.Latent);
        var activity = new LatentActivity(options.EvalBatchSize, options.Threads);   // buffers reused every epoch
        var runMetadata = config.ToMetadata(train);
        int[] shown = Enumerable.Range(0, Math.Min(8, test.Count)).ToArray();   // the test digits in reconstruction_E.png

        Console.Out.WriteLine($"model {model.Config}, {model.Parameters.Count:N0} parameters; " +
            $"{train.Count:N0} training and {test.Count:N0} test images; batch {options.BatchSize}, " +
            $"lr {LearningRateText(options, trainer.State.Epoch + 1)}, " +
            $"{options.Objective.Describe()}{(config.DynamicBinarization ? ", dynamic binarisation" : "")}" +
            $"{(options.Schedule != null ? $", schedule {options.Schedule}" : "")}, " +
            $"init {WeightInits.Name(options.Init)}, seed {options.Seed}, " +
            $"{Threads(options.Threads == 0 ? Environment.ProcessorCount : options.Threads)}" +
            (trainer.ThreadChoice != null ? " (or one, when its steps time faster)" : ""));
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
                // The run's own --threads (any count gives the same bits: no sum is split over threads).
                string data = dataDir != null ? $" --data {Shell.Quote(dataDir)}" : "";
                Console.Out.WriteLine($"continue with: vae train --out {Shell.Quote(run.Path)} --resume " +
                    $"--epochs {options.Epochs}{data} --threads {options.Threads}" +
                    (trainer.ThreadChoice == null && options.Threads != 1 ? " --fixed-threads" : ""));
                return ExitCodes.Interrupted;
            }

            var afterTraining = Stopwatch.StartNew();
            var eval = trainer.Evaluate(test);
            int epoch = result.Epoch;
            if (pictures.Due(epoch, options.Epochs))
            {
                run.WritePicture(run.Reconstruction(epoch), Pictures.Reconstructions(model, test, shown));
                run.WritePicture(run.Sample(epoch), Pictures.Samples(model, 64, options.Seed));
            }
            // seconds = the epoch's training time plus its evaluation and pictures (checkpoint writing excluded).
            var latent = activity.Measure(model, test);
            run.AppendMetrics(result, eval, result.Seconds + afterTraining.Elapsed.TotalSeconds, latent.ActiveUnits);
            run.AppendKlPerDim(epoch, latent.Kl);
            string? bound = BoundName(options.Objective);
            RunReport.Write(run, model, runMetadata, epoch, options.Epochs, latent, bound);
            var epochMetadata = new Dictionary<string, string>(runMetadata)
            {
                ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["test_loss"] = RunFolder.F(eval.Loss),
            };
            Checkpoint.Save(run.Model, model, epochMetadata);
            Checkpoint.Save(run.Resume, model, epochMetadata, trainer.Optimizer, trainer.Capture());

            var t = result.Train;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch,3}  train {Parts(bound, t.MeanLoss, t.MeanReconstruction, t.MeanKl)}" +
                $"  test {Parts(bound, eval.Loss, eval.Reconstruction, eval.Kl)}" +
                $"  active units {latent.ActiveUnits}/{model.Latent}  {result.ImagesPerSecond:N0} img/s"));
        }
        if (options.Debias != null || options.BiasDigit != null)
            foreach (var line in DebiasRunOptions.PerLabelLines(model, test, options)) Console.Out.WriteLine(line);
        if (trainer.ThreadChoice is { Probes: > 0 } choice)
        {
            string share = (100.0 * choice.StepsOnOne / choice.Steps).ToString("F0", CultureInfo.InvariantCulture)
                + "%";
            Console.Out.WriteLine($"threads: {share} of this session's steps ran on one thread " +
                $"({choice.ProbesChoosingOne} of {choice.Probes} timings found it faster)");
        }
        Console.Out.WriteLine($"done: {run.Metrics}, {run.Model}, {run.Report}, pictures in {run.Path}");
        return ExitCodes.Ok;
    }

    /// <summary>"−IWAE₅" for the importance-weighted bound, whose value is not recon + kl; null for ELBOs.</summary>
    private static string? BoundName(Vae.Objectives.IObjective o) =>
        o is Vae.Objectives.IwaeObjective { Averaged: false } iwae
            ? "−IWAE" + string.Concat(iwae.Samples.ToString(CultureInfo.InvariantCulture)
                .Select(c => (char)('₀' + c - '0')))
            : null;

    /// <summary>"91.39 (recon 66.79 + kl 24.60)"; for the IWAE bound "−IWAE₅ 90.02 (−ELBO 93.74 = recon 71.01 + kl
    /// 22.73)": its recon and kl are the means over the K samples, which add up to the samples' −ELBO.</summary>
    private static string Parts(string? bound, double loss, double recon, double kl) => bound == null
        ? string.Create(CultureInfo.InvariantCulture, $"{loss:F2} (recon {recon:F2} + kl {kl:F2})")
        : string.Create(CultureInfo.InvariantCulture,
            $"{bound} {loss:F2} (−ELBO {recon + kl:F2} = recon {recon:F2} + kl {kl:F2})");

    private static string Threads(int n) => n == 1 ? "1 thread" : $"{n} threads";

    /// <summary>The learning rate of the coming epoch: the option's, or the schedule's for that epoch.</summary>
    private static string LearningRateText(TrainOptions o, int epoch) => o.Schedule == BurdaSchedule.Name
        ? $"{BurdaSchedule.LearningRateAt(epoch):G4} (epoch {epoch} of the burda schedule)" : $"{o.LearningRate}";
}
