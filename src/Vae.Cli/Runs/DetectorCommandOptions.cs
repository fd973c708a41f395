using Vae.Analysis;
using Vae.Data;
using Vae.Objectives;
using Vae.Training;

namespace Vae.Cli.Runs;

/// <summary>
/// The options of the DB-VAE detector commands (dbvae-train, dbvae-eval, dbvae-experiment), declared and read in one
/// place: the two datasets, how the detection set is drawn, the loss and how positives are sampled.
/// </summary>
public static class DetectorCommandOptions
{
    /// <summary>--data (MNIST, the positives) and --fashion-data (Fashion-MNIST, the negatives).</summary>
    public static ArgParser DetectionData(this ArgParser p) => p
        .Option("data", null, "MNIST folder, the positives (default data/mnist or VAE_DATA; fetched when " +
            "missing)", "DIR")
        .Option("fashion-data", null, "Fashion-MNIST folder, the negatives (default data/fashion-mnist; fetched " +
            "when missing)", "DIR");

    public static (ImageSet DigitsTrain, ImageSet DigitsTest, ImageSet ItemsTrain, ImageSet ItemsTest)
        LoadDetectionData(this ArgParser p)
    {
        var digits = Datasets.Get("mnist");
        var items = Datasets.Get(FashionMnist.Name);
        var (digitsTrain, digitsTest) = CommonOptions.LoadDataset(digits, p.GetString("data") ?? digits.DefaultDir);
        var (itemsTrain, itemsTest) = CommonOptions.LoadDataset(items, p.GetString("fashion-data") ?? items.DefaultDir);
        return (digitsTrain, digitsTest, itemsTrain, itemsTest);
    }

    /// <summary>How the detection set is drawn: sizes and the shares carrying A.</summary>
    public static ArgParser DetectionOptions(this ArgParser p) => p
        .Option("train-positives", "20000", "training digits (0 = all 60,000)", "N")
        .Option("train-negatives", "20000", "training items (0 = all 60,000)", "N")
        .Option("a-positives", "0.01", "share of the training digits with A (inverted polarity)", "F")
        .Option("a-negatives", "0.5", "share of the training items with A", "F")
        .Option("a-test", "0.5", "share of the test digits and of the test items with A", "F");

    public static DetectionSetup GetDetectionSetup(this ArgParser p) => new()
    {
        TrainPositives = p.GetInt("train-positives", 0, 60_000),
        TrainNegatives = p.GetInt("train-negatives", 0, 60_000),
        APositives = p.GetDouble("a-positives", 0, 1),
        ANegatives = p.GetDouble("a-negatives", 0, 1),
        ATest = p.GetDouble("a-test", 0, 1),
    };

    /// <summary>The loss and the sampling of positives of one DB-VAE run.</summary>
    public static ArgParser DetectorLossOptions(this ArgParser p) => p
        .Option("vae-weight", "0.0012755102", "λ: weight of the positives' VAE loss beside the cross-entropy " +
            "(1/784; 0 = classifier only)", "L")
        .Option("beta", "1", "β: weight of the KL inside the VAE loss", "B")
        .Option("sampling", "latent-density", "how positives are drawn: latent-density (DB-VAE), uniform, or oracle " +
            "(50/50 by the true A)", "uniform|latent-density|oracle")
        .Option("combine", "product", "latent-density: combine per-dimension weights by max or product", "max|product")
        .Option("alpha", "0.001", "latent-density: smoothing α added to each histogram bin's density", "A")
        .Option("bins", "10", "latent-density: histogram bins per latent dimension", "N")
        .Option("power", "0.3", "latent-density: temperature τ, P ∝ w^τ (1 = as the paper, 0 = uniform)", "T")
        .Option("cap", "30", "latent-density: no P above this multiple of uniform (the excess spread over the rest; " +
            "inf = none)", "C");

    public static DetectorOptions GetDetectorOptions(this ArgParser p, int epochs, int threads)
    {
        double cap = p.GetString("cap") is "inf" or "∞" ? double.PositiveInfinity : p.GetDouble("cap", 1, 1e12);
        var options = new DetectorOptions
        {
            Epochs = epochs,
            Threads = threads,
            BatchSize = p.GetInt("batch-size", 2, 1_000_000),
            LearningRate = (float)p.GetDouble("lr", 0, 10, minExclusive: true),
            Seed = (ulong)p.GetInt("seed", 0),
            Objective = new ClassifierObjective
            {
                VaeWeight = (float)p.GetDouble("vae-weight", 0, 1e6),
                Beta = (float)p.GetDouble("beta", 0, 1e6),
            },
            Sampling = DetectorOptions.ParseSampling(p.GetChoice("sampling", "uniform", "latent-density", "oracle")),
            Debias = new DebiasOptions(p.GetInt("bins", 1, 1_000_000), p.GetDouble("alpha", 0, 1e12),
                p.GetChoice("combine", "max", "product") == "max" ? DebiasCombine.Max : DebiasCombine.Product,
                p.GetDouble("power", 0, 1e6), cap),
        };
        if (options.BatchSize % 2 != 0) throw new UsageException("--batch-size must be even (half digits, half items)");
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        return options;
    }
}
