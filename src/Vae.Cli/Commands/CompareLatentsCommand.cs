using System.Diagnostics;
using Vae.Imaging;
using Vae.Lecture;
using Vae.Model;
using Vae.Training;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary><c>vae compare-latents</c>: one model per latent size, their reconstructions of the same test digits side by side.</summary>
public sealed class CompareLatentsCommand : ICommand
{
    public string Name => "compare-latents";
    public string Summary => "latent size vs reconstruction: train the autoencoder per latent size, show 100 test digits each";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Option("dims", "2,5", "latent sizes to compare", "LIST")
            .TrainingOptions(epochsDefault: "3", epochsHelp: "training epochs per latent size")
            .Option("model", "ae", "ae (the lecture's autoencoder, ‖x − x̂‖²) or vae (BCE + KL)", "ae|vae")
            .Option("hidden", "400", "hidden layer sizes", "LIST")
            .Option("count", "100", "test digits shown (the first ones of the test set, 10 per row)", "N")
            .Data()
            .Threads()
            .Option("out", "compare-latents.png", "output picture", "FILE");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        int[] dims = p.GetIntList("dims", 1, 10_000);
        var kind = p.GetChoice("model", "ae", "vae") == "ae" ? ModelKind.Ae : ModelKind.Vae;
        int[] hidden = p.GetIntList("hidden", 1, 100_000);
        int count = p.GetInt("count", 1, 10_000);
        var options = p.GetTrainOptions(p.GetInt("epochs", 1, 10_000), p.GetThreads());
        string outFile = p.GetRequiredString("out");
        p.EnsureOutputFile(outFile);
        foreach (int j in dims)
            CommonOptions.EnsureModelFits(LatentSizeComparison.Config(kind, j, hidden),
                Math.Max(options.BatchSize, 1000));
        var (train, test) = p.LoadData();

        var models = new List<VaeModel>();
        var progress = new ProgressLine();
        foreach (int j in dims)
        {
            var config = LatentSizeComparison.Config(kind, j, hidden);
            var clock = Stopwatch.StartNew();
            var model = LatentSizeComparison.Train(config, train, options, progress.Report, epoch =>
            {
                progress.Finish();
                Console.Out.WriteLine($"  {j}D epoch {epoch.Epoch}: train loss {epoch.Train.MeanLoss:F2}");
            });
            double error = LatentSizeComparison.ReconstructionError(model, test, options.Threads);
            Console.Out.WriteLine($"{j}D latent space ({config}): test ‖x − x̂‖² = {error:F2} per image " +
                $"after {options.Epochs} epochs ({clock.Elapsed.TotalSeconds:F0} s)");
            models.Add(model);
        }
        var picture = LatentSizeComparison.Picture(models, test, count, threads: options.Threads);
        Png.Write(outFile, picture);
        Console.Out.WriteLine($"wrote {outFile}: the first {Math.Min(count, test.Count)} test digits reconstructed with " +
            $"{string.Join(", ", dims.Select(j => $"{j}D"))} latent spaces beside the ground truth ({picture.Width}×{picture.Height} px)");
        return ExitCodes.Ok;
    }
}
