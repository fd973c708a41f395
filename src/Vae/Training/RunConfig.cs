using System.Globalization;
using System.Security.Cryptography;
using Vae.Analysis;
using Vae.Data;
using Vae.IO;
using Vae.Model;
using Vae.Nn;
using Vae.Objectives;

namespace Vae.Training;

/// <summary>
/// Everything that defines a training run and must stay the same when it resumes: the dataset (by name, with a
/// fingerprint of the exact training images), the model, the options and the objective. This is the one place where
/// a run becomes checkpoint metadata and back, so any caller (the CLI, a test, another program) can resume a run.
/// </summary>
public sealed record RunConfig(string Dataset, VaeConfig Model, TrainOptions Options)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Dynamic binarisation (Burda et al. 2016): each use of a training image draws x ~ Bernoulli(intensity), and the
    /// test images are binarised once with <see cref="Binarization.TestSeed"/>, the same for every model.
    /// </summary>
    public bool DynamicBinarization { get; init; }

    /// <summary>
    /// The training set the options describe: <paramref name="train"/>, or its copy with one class made rare; binarised
    /// afresh at every use (seeded by <see cref="TrainOptions.Seed"/>) with <see cref="DynamicBinarization"/>.
    /// </summary>
    public ImageSet TrainingSet(ImageSet train)
    {
        var set = Options.BiasDigit is int digit
            ? Subsets.KeepFractionOf(train, digit, Options.BiasKeep, Options.Seed) : train;
        return DynamicBinarization ? set.WithDynamicBinarization(Options.Seed) : set;
    }

    /// <summary>The test set evaluations use: <paramref name="test"/>, or its one fixed binarisation.</summary>
    public ImageSet TestSet(ImageSet test) => DynamicBinarization ? Binarization.Once(test) : test;

    /// <summary>The run as metadata: data.*, train.*, objective.* (the model's own keys come from VaeConfig).</summary>
    public Dictionary<string, string> ToMetadata(ImageSet trainingSet)
    {
        var o = Options;
        var m = new Dictionary<string, string>
        {
            ["data.name"] = Dataset,
            ["data.train_count"] = trainingSet.Count.ToString(Inv),
            ["data.train_sha256"] = Fingerprint(trainingSet),
            ["data.binarize"] = DynamicBinarization ? "dynamic" : "none",
            ["train.batch_size"] = o.BatchSize.ToString(Inv),
            ["train.lr"] = Metadata.Text(o.LearningRate),
            ["train.seed"] = o.Seed.ToString(Inv),
            ["train.clip_grad"] = Metadata.Text(o.ClipGradNorm),
            ["train.debias"] = o.Debias is { } d
                ? string.Create(Inv, $"bins={d.Bins};alpha={d.Alpha:R};combine={(d.Combine == DebiasCombine.Max ? "max" : "product")}")
                : "off",
            ["train.bias_digit"] = o.BiasDigit is int digit ? digit.ToString(Inv) : "off",
            ["train.bias_keep"] = Metadata.Text(o.BiasKeep),
            ["train.schedule"] = o.Schedule ?? "none",
            ["train.adam_eps"] = Metadata.Text(o.AdamEpsilon),
            ["train.init"] = WeightInits.Name(o.Init),
        };
        foreach (var (k, v) in ObjectiveRegistry.ToMetadata(o.Objective)) m[k] = v;
        return m;
    }

    /// <summary>
    /// The run a checkpoint describes, with <paramref name="epochs"/> and <paramref name="threads"/> (which a resumed
    /// run may change). FormatException naming the missing or bad key.
    /// </summary>
    public static RunConfig FromMetadata(IReadOnlyDictionary<string, string> m, int epochs, int threads)
    {
        var model = VaeConfig.FromMetadata(m);
        var options = new TrainOptions
        {
            Epochs = epochs,
            Threads = threads,
            BatchSize = Metadata.Int(m, "train.batch_size", min: 1),
            LearningRate = Metadata.Float(m, "train.lr"),
            Seed = ulong.TryParse(Metadata.Get(m, "train.seed"), NumberStyles.Integer, Inv, out ulong s)
                ? s : throw new FormatException("metadata 'train.seed' is not a seed"),
            ClipGradNorm = Metadata.Float(m, "train.clip_grad"),
            Objective = ObjectiveRegistry.FromMetadata(m),
            Debias = ReadDebias(Metadata.Get(m, "train.debias")),
            // Keys that came with the IWAE runs; checkpoints from before them had neither.
            Schedule = m.GetValueOrDefault("train.schedule", "none") is "none" ? null : m["train.schedule"],
            AdamEpsilon = m.ContainsKey("train.adam_eps") ? Metadata.Float(m, "train.adam_eps") : 1e-8f,
            // Checkpoints from before --init were all initialised as PyTorch does.
            Init = m.TryGetValue("train.init", out var init) ? ReadInit(init) : WeightInit.Default,
        };
        if (Metadata.Get(m, "train.bias_digit") != "off")
            options = options with { BiasDigit = Metadata.Int(m, "train.bias_digit"), BiasKeep = Metadata.Double(m, "train.bias_keep") };
        try { options.Validate(); options.Objective.Validate(model); }
        catch (ArgumentException e) { throw new FormatException($"metadata describes an invalid run: {e.Message}"); }
        string binarize = m.GetValueOrDefault("data.binarize", "none");
        if (binarize is not ("none" or "dynamic"))
            throw new FormatException($"metadata 'data.binarize' is not none or dynamic: '{binarize}'");
        return new RunConfig(Metadata.Get(m, "data.name"), model, options)
        {
            DynamicBinarization = binarize == "dynamic",
        };
    }

    /// <summary>
    /// Throws when <paramref name="trainingSet"/> is not the set the checkpoint's run trained on (another dataset,
    /// another folder's files, another bias), which would silently change what a resumed run learns.
    /// </summary>
    public static void CheckSameData(IReadOnlyDictionary<string, string> m, string dataset, ImageSet trainingSet)
    {
        string name = Metadata.Get(m, "data.name");
        if (name != dataset) throw new FormatException($"the run trained on '{name}', not '{dataset}'");
        long count = Metadata.Long(m, "data.train_count");
        if (count != trainingSet.Count)
            throw new FormatException($"the run trained on {count:N0} images; the data given has {trainingSet.Count:N0}");
        if (Metadata.Get(m, "data.train_sha256") != Fingerprint(trainingSet))
            throw new FormatException("the run trained on other images (their SHA-256 differs) than the data given");
    }

    /// <summary>
    /// Why <paramref name="train"/> (a dataset's raw training images) is not what the run <paramref name="m"/>
    /// describes trained on, or null when it is or the checkpoint cannot tell: an evaluation of a model on another
    /// dataset's files is legitimate, but should not pass unnoticed.
    /// </summary>
    public static string? TrainingDataMismatch(IReadOnlyDictionary<string, string> m, string dataset, ImageSet train)
    {
        if (!m.ContainsKey("data.train_sha256")) return null;
        RunConfig run;
        try { run = FromMetadata(m, epochs: 1, threads: 1); }
        catch (FormatException) { return null; }   // not a trainer's checkpoint (e.g. a detector's): no claim
        try { CheckSameData(m, dataset, run.TrainingSet(train)); return null; }
        catch (FormatException e) { return e.Message; }
    }

    /// <summary>SHA-256 of the training images and labels, hex: what "the same data" means for a resume.</summary>
    public static string Fingerprint(ImageSet set)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(set.Images);
        sha.AppendData(set.Labels);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static WeightInit ReadInit(string text)
    {
        try { return WeightInits.Parse(text); }
        catch (FormatException e) { throw new FormatException($"metadata 'train.init': {e.Message}"); }
    }

    private static DebiasOptions? ReadDebias(string text)
    {
        if (text == "off") return null;
        var parts = text.Split(';').Select(s => s.Split('=')).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
        return parts.TryGetValue("bins", out var b) && int.TryParse(b, NumberStyles.Integer, Inv, out int bins) && bins > 0
            && parts.TryGetValue("alpha", out var a) && double.TryParse(a, NumberStyles.Float, Inv, out double alpha) && alpha >= 0
            && parts.TryGetValue("combine", out var c) && c is "max" or "product"
            ? new DebiasOptions(bins, alpha, c == "max" ? DebiasCombine.Max : DebiasCombine.Product)
            : throw new FormatException($"metadata 'train.debias' is not valid: '{text}'");
    }
}

/// <summary>A run read back from a resumable checkpoint: its configuration, weights, Adam state and position.</summary>
public sealed record ResumableRun(RunConfig Config, VaeModel Model, Adam Optimizer, TrainingState State,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>
    /// Reads <paramref name="path"/> (written by <see cref="Checkpoint.Save"/> with optimizer and state) and rebuilds
    /// its run with a new epoch total and thread count. InvalidInputFileException naming what is missing or bad.
    /// </summary>
    public static ResumableRun Load(string path, int epochs, int threads)
    {
        var loaded = Checkpoint.Load(path);
        if (loaded.State == null || loaded.Optimizer == null)
            throw new InvalidInputFileException(path, "holds no optimizer state or training position");
        RunConfig config;
        try { config = RunConfig.FromMetadata(loaded.Metadata, epochs, threads); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new InvalidInputFileException(path, e.Message);
        }
        return new ResumableRun(config, loaded.Model, loaded.Optimizer, loaded.State, loaded.Metadata);
    }

    /// <summary>
    /// The trainer that continues this run on <paramref name="trainingSet"/>, which must be the set it trained on.
    /// </summary>
    public Trainer Continue(string path, ImageSet trainingSet)
    {
        try { RunConfig.CheckSameData(Metadata, Config.Dataset, trainingSet); }
        catch (FormatException e) { throw new InvalidInputFileException(path, e.Message); }
        return new Trainer(Model, Config.Options, trainingSet.Count, State, Optimizer);
    }
}
