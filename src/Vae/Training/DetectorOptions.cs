using System.Globalization;
using Vae.Analysis;
using Vae.IO;
using Vae.Objectives;

namespace Vae.Training;

/// <summary>How the positives of each detector batch are drawn.</summary>
public enum PositiveSampling
{
    /// <summary>A shuffle of the positives: each seen once per epoch.</summary>
    Uniform,
    /// <summary>DB-VAE: with replacement from P(x) ∝ 1 / latent density of μ(x), recomputed at every epoch's
    /// start.</summary>
    LatentDensity,
    /// <summary>The upper bound: with replacement, half the mass on the positives with A, half on the rest (true
    /// labels).</summary>
    Oracle,
}

/// <summary>
/// How to train a detector with a VAE beside it (DB-VAE). Each batch is half positives, half negatives; an epoch is
/// ⌊positives / (batch/2)⌋ steps. <see cref="VaeWeight"/> 0 is the plain classifier.
/// </summary>
public sealed record DetectorOptions
{
    public int Epochs { get; init; } = 3;
    /// <summary>Images per step, even: half positives, half negatives.</summary>
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 1e-3f;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }
    /// <summary>The loss: cross-entropy plus the positives' λ-weighted VAE term (λ = 0: classifier only).</summary>
    public ClassifierObjective Objective { get; init; } = new();
    public PositiveSampling Sampling { get; init; } = PositiveSampling.Uniform;
    /// <summary>The resampling settings when <see cref="Sampling"/> is <see
    /// cref="PositiveSampling.LatentDensity"/>.</summary>
    public DebiasOptions Debias { get; init; } = new();
    public int EvalBatchSize { get; init; } = 1000;

    public int HalfBatch => BatchSize / 2;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("epochs must be >= 1");
        if (BatchSize < 2 || BatchSize % 2 != 0) throw new ArgumentException("batch size must be even and >= 2");
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
            throw new ArgumentException("learning rate must be > 0");
        if (Threads < 0) throw new ArgumentException("threads must be >= 1 (or 0 for all cores)");
        if (Sampling == PositiveSampling.LatentDensity && Objective.VaeWeight == 0)
            throw new ArgumentException("latent-density sampling needs the VAE term (vae weight > 0) to learn μ");
        Debias.Validate();
    }

    public static string Name(PositiveSampling s) => s switch
    {
        PositiveSampling.Uniform => "uniform",
        PositiveSampling.LatentDensity => "latent-density",
        PositiveSampling.Oracle => "oracle",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static PositiveSampling ParseSampling(string s) => s switch
    {
        "uniform" => PositiveSampling.Uniform,
        "latent-density" => PositiveSampling.LatentDensity,
        "oracle" => PositiveSampling.Oracle,
        _ => throw new FormatException($"unknown sampling '{s}' (uniform, latent-density or oracle)"),
    };

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The options as detector.* and objective.* checkpoint metadata; <see cref="FromMetadata"/> reads them back.
    /// </summary>
    public Dictionary<string, string> ToMetadata()
    {
        var m = new Dictionary<string, string>
        {
            ["detector.batch_size"] = BatchSize.ToString(CultureInfo.InvariantCulture),
            ["detector.lr"] = R(LearningRate),
            ["detector.seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["detector.sampling"] = Name(Sampling),
            ["detector.debias_bins"] = Debias.Bins.ToString(CultureInfo.InvariantCulture),
            ["detector.debias_alpha"] = R(Debias.Alpha),
            ["detector.debias_combine"] = Debias.CombineName,
            ["detector.debias_power"] = R(Debias.Power),
            ["detector.debias_cap"] = R(Debias.Cap),
        };
        foreach (var (k, v) in ObjectiveRegistry.ToMetadata(Objective)) m[k] = v;
        return m;
    }

    /// <summary>Reads the options back (epochs and threads are the caller's); FormatException names the bad
    /// key.</summary>
    public static DetectorOptions FromMetadata(IReadOnlyDictionary<string, string> m)
    {
        string Get(string k) => m.TryGetValue(k, out var v) ? v : throw new FormatException($"metadata has no '{k}'");
        double D(string k) => double.TryParse(Get(k), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            && !double.IsNaN(v) ? v : throw new FormatException($"metadata '{k}' is not a number: '{Get(k)}'");
        int I(string k) => int.TryParse(Get(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v : throw new FormatException($"metadata '{k}' is not a positive count: '{Get(k)}'");
        var options = new DetectorOptions
        {
            BatchSize = I("detector.batch_size"),
            LearningRate = (float)D("detector.lr"),
            Seed = ulong.TryParse(Get("detector.seed"), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong s)
                ? s : throw new FormatException($"metadata 'detector.seed' is not a seed: '{Get("detector.seed")}'"),
            Objective = ObjectiveRegistry.FromMetadata(m) as ClassifierObjective
                ?? throw new FormatException(
                    $"metadata 'objective' is '{Get("objective")}', not {ClassifierObjective.Id}"),
            Sampling = ParseSampling(Get("detector.sampling")),
            Debias = new DebiasOptions(I("detector.debias_bins"), D("detector.debias_alpha"),
                Get("detector.debias_combine") switch
                {
                    "max" => DebiasCombine.Max,
                    "product" => DebiasCombine.Product,
                    var c => throw new FormatException(
                        $"metadata 'detector.debias_combine' is not max or product: '{c}'"),
                },
                D("detector.debias_power"), D("detector.debias_cap")),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new FormatException(e.Message); }
        return options;
    }
}
