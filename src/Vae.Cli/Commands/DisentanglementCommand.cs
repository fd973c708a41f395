using System.Globalization;
using Vae.Analysis;
using Vae.Data;

namespace Vae.Cli.Commands;

/// <summary><c>vae disentanglement</c>: how a shapes model's latent dimensions line up with the known
/// factors.</summary>
public sealed class DisentanglementCommand : ICommand
{
    public string Name => "disentanglement";
    public string Summary =>
        "per known factor (shapes set), the latent dimension that carries it; MIG and the FactorVAE score";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + " (Chen et al. 2018; Kim & Mnih 2018). Needs a dataset whose images " +
                "carry factor values (shapes).")
            .Checkpoint()
            .Data()
            .Option("split", "test", "images to encode: test (the held-out 10%) or all", "test|all")
            .Option("bins", "20", "MIG: histogram bins per latent dimension", "N")
            .Option("seed", "1", "FactorVAE metric: seed of its votes (and of ε in the test loss)", "S")
            .Option("csv", null, "append one row of the results to this CSV file (a header first if it is new)", "FILE")
            .Threads();
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        string split = p.GetChoice("split", "test", "all");
        int bins = p.GetInt("bins", 2, 1000);
        ulong seed = (ulong)p.GetInt("seed", 0);
        int threads = p.GetThreads();
        string? csv = p.GetString("csv");
        if (csv != null) CommonOptions.EnsureWritableFileFolder(csv);
        string path = p.GetRequiredString("checkpoint");
        var loaded = p.LoadCheckpoint();
        var model = loaded.Model;
        if (model.Latent < 2) throw new UsageException("the model has 1 latent dimension; MIG compares at least 2");

        var dataset = p.GetDataset(loaded.Metadata.GetValueOrDefault("data.name"));
        if (dataset.FactorNames.Count == 0)
            throw new UsageException($"dataset '{dataset.Name}' has no known factors; train on --dataset shapes");
        var (train, test) = p.LoadData(loaded);
        var images = split == "test" ? test : Concat(train, test);
        var names = dataset.FactorNames;
        var r = FactorReport.Measure(model, images, names, seed, bins, threads);
        var e = Evaluator.Of(model, test, 1000, threads, seed);
        int active = 0;
        for (int j = 0; j < model.Latent; j++) if (r.FactorVae.Active[j]) active++;

        var inv = CultureInfo.InvariantCulture;
        var w = Console.Out;
        w.WriteLine($"model {model.Config}; {images.Count:N0} {split} images of {dataset.Name}");
        w.WriteLine(string.Create(inv,
            $"test loss {e.Loss:F2} = reconstruction {e.Reconstruction:F2} + KL {e.Kl:F2}; " +
            $"active units {active}/{model.Latent} (variance of μ ≥ 0.01)"));
        w.WriteLine("factor        levels  H(v) nats  best dim  I(z;v)/H  runner-up  MIG");
        for (int k = 0; k < r.Mig.Factors.Length; k++)
        {
            var f = r.Mig.Factors[k];
            w.WriteLine(string.Create(inv, $"{f.Factor,-12}  {r.LevelCounts[k],6}  {r.Mig.Entropy[k],9:F3}  " +
                $"z{f.BestDim,-7}  {f.NormalizedMi,8:F3}  z{f.SecondDim,-8}  {f.Mig:F3}"));
        }
        w.WriteLine(string.Create(inv, $"MIG {r.Mig.Mean:F3} over all factors, {r.ContinuousMig:F3} over scale, x, y " +
            $"({bins} bins per dimension)"));
        w.WriteLine(string.Create(inv,
            $"FactorVAE score {r.FactorVae.Accuracy:F3} (majority vote of 10,000 votes of 64 " +
            $"images, accuracy on 5,000 more; chance {1.0 / names.Count:F2})"));
        var perDim = r.Codes.Score.Select((s, j) => string.Create(inv, $"z{j} {s:F2}"));
        w.WriteLine("KL per dimension: " + string.Join(' ', perDim));

        if (csv != null)
        {
            bool fresh = !File.Exists(csv) || new FileInfo(csv).Length == 0;
            using var file = new StreamWriter(csv, append: true);
            if (fresh)
                file.WriteLine("checkpoint,beta,capacity,seed,epoch,test_recon,test_kl,active_units,mig,mig_continuous,"
                    +
                    string.Join(',', r.Mig.Factors.Select(f => "mig_" + f.Factor)) + ",factorvae");
            // objective.* since the Structure change, train.* in checkpoints written before it
            string Meta(string key) => loaded.Metadata.GetValueOrDefault("objective." + key)
                ?? loaded.Metadata.GetValueOrDefault("train." + key) ?? "";
            string perFactor = string.Join(',', r.Mig.Factors.Select(f => f.Mig.ToString("F4", inv)));
            file.WriteLine(string.Create(inv,
                $"{path},{Meta("beta")},{Meta("capacity")},{Meta("seed")},"
                + $"{loaded.Metadata.GetValueOrDefault("epoch")},{e.Reconstruction:F3},{e.Kl:F3},{active},{r.Mig.Mean:F4},{r.ContinuousMig:F4},"
                + $"{perFactor},{r.FactorVae.Accuracy:F4}"));
        }
        return ExitCodes.Ok;
    }

    private static ImageSet Concat(ImageSet a, ImageSet b) =>
        a.With([.. a.Images, .. b.Images], [.. a.Labels, .. b.Labels], [.. a.Factors!, .. b.Factors!]);
}
