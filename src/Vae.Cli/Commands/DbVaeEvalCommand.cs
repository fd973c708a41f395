using System.Globalization;
using Vae.Analysis;
using Vae.Cli.Runs;
using Vae.Data;
using Vae.Training;

namespace Vae.Cli.Commands;

/// <summary><c>vae dbvae-eval</c>: the subgroup scores of a DB-VAE detector checkpoint on its test set.</summary>
public sealed class DbVaeEvalCommand : ICommand
{
    public string Name => "dbvae-eval";
    public string Summary => "evaluate a DB-VAE detector checkpoint per subgroup: TPR on digits with and without A, " +
        "FPR, accuracy";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ". The test set is rebuilt from the checkpoint's settings and seed " +
                "(or --a-test and --seed when given).")
            .Checkpoint()
            .DetectionData()
            .Option("a-test", null, "share of the test digits and items with A (default: the checkpoint's)", "F")
            .Option("seed", null, "seed of the test set's A draw (default: the checkpoint's)", "S")
            .Threads();
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        string path = p.GetRequiredString("checkpoint");
        if (path.Length == 0) throw new UsageException("option '--checkpoint' is required");
        if (!File.Exists(path)) throw new UsageException($"checkpoint '{path}' does not exist");
        var loaded = Checkpoint.Load(path);
        DetectorRunConfig config;
        try { config = DetectorRunConfig.FromMetadata(loaded.Metadata, 1, p.GetThreads()); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new InvalidInputFileException(path, $"is not a DB-VAE detector checkpoint: {e.Message}");
        }
        var setup = p.Has("a-test") ? config.Data with { ATest = p.GetDouble("a-test", 0, 1) } : config.Data;
        ulong seed = p.Has("seed") ? (ulong)p.GetInt("seed", 0) : config.Options.Seed;
        var (digitsTrain, digitsTest, itemsTrain, itemsTest) = p.LoadDetectionData();
        var (_, test) = setup.Build(digitsTrain, digitsTest, itemsTrain, itemsTest, seed);
        var s = DetectorEvaluation.Run(loaded.Model, test, threads: p.GetThreads());
        var inv = CultureInfo.InvariantCulture;
        string a = DetectionSet.Name(setup.Attribute);
        Console.Out.WriteLine($"model {loaded.Model.Config}; test set: {test.Positives.Count:N0} digits " +
            $"({test.PositivesWithA} {a}), " +
            $"{test.Negatives.Count:N0} items ({test.NegativesWithA} {a}), seed {seed}");
        Console.Out.WriteLine(string.Create(inv, $"TPR on {a} digits   {s.TprA:F4}  ({s.DetectedA}/{s.PositivesA})"));
        Console.Out.WriteLine(string.Create(inv, $"TPR on other digits   {s.TprOther:F4}  " +
            $"({s.DetectedOther}/{s.PositivesOther})"));
        Console.Out.WriteLine(string.Create(inv, $"gap (other − {a})    {s.Gap:F4}"));
        Console.Out.WriteLine(string.Create(inv, $"FPR on items          {s.Fpr:F4}  ({a} " +
            $"{s.FalseA}/{s.NegativesA}, other {s.FalseOther}/{s.NegativesOther})"));
        Console.Out.WriteLine(string.Create(inv, $"worst-group accuracy  {s.WorstGroupAccuracy:F4}"));
        Console.Out.WriteLine(string.Create(inv, $"accuracy              {s.Accuracy:F4}"));
        return ExitCodes.Ok;
    }
}
