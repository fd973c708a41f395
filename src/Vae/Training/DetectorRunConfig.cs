using Vae.Data;
using Vae.IO;
using Vae.Model;
using Vae.Nn;

namespace Vae.Training;

/// <summary>
/// Everything that defines a DB-VAE detector run and must stay the same when it resumes: how its detection set is
/// drawn, the model and the options (seed, loss, sampling). The one place where such a run becomes checkpoint
/// metadata and back, so any caller can rebuild its data and resume it.
/// </summary>
public sealed record DetectorRunConfig(DetectionSetup Data, VaeConfig Model, DetectorOptions Options)
{
    public const string Kind = "dbvae-detector";

    /// <summary>The run as metadata: run kind, detection.*, detector.*, objective.*, and the data's
    /// fingerprint.</summary>
    public Dictionary<string, string> ToMetadata(DetectionSet train)
    {
        var m = new Dictionary<string, string> { ["run"] = Kind, ["data.name"] = "mnist+" + FashionMnist.Name };
        foreach (var (k, v) in Data.ToMetadata()) m[k] = v;
        foreach (var (k, v) in Options.ToMetadata()) m[k] = v;
        m["data.train_sha256"] = Fingerprint(train);
        return m;
    }

    /// <summary>The run a checkpoint describes, with a new epoch total and thread count. FormatException naming the bad
    /// key.</summary>
    public static DetectorRunConfig FromMetadata(IReadOnlyDictionary<string, string> m, int epochs, int threads)
    {
        if (Metadata.Get(m, "run") != Kind) throw new FormatException($"metadata 'run' is not '{Kind}'");
        var model = VaeConfig.FromMetadata(m);
        var options = DetectorOptions.FromMetadata(m) with { Epochs = epochs, Threads = threads };
        try { options.Validate(); options.Objective.Validate(model); }
        catch (ArgumentException e) { throw new FormatException($"metadata describes an invalid run: {e.Message}"); }
        return new DetectorRunConfig(DetectionSetup.FromMetadata(m), model, options);
    }

    /// <summary>SHA-256 of the training positives and negatives with their A flags.</summary>
    public static string Fingerprint(DetectionSet train)
    {
        var flags = train.PositiveHasA.Concat(train.NegativeHasA).Select(a => a ? (byte)1 : (byte)0).ToArray();
        return RunConfig.Fingerprint(train.Positives) + RunConfig.Fingerprint(train.Negatives)[..16]
            + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(flags))[..16];
    }

    /// <summary>
    /// Reads a resumable checkpoint written by a detector run and returns the trainer that continues it on
    /// <paramref name="train"/>, which must be the set it trained on. InvalidInputFileException naming what is wrong.
    /// </summary>
    public static (DetectorRunConfig Config, DetectorTrainer Trainer) Resume(string path, int epochs, int threads,
        Func<DetectorRunConfig, DetectionSet> trainingSet)
    {
        var loaded = Checkpoint.Load(path);
        if (loaded.State == null || loaded.Optimizer == null)
            throw new InvalidInputFileException(path, "holds no optimizer state or training position");
        DetectorRunConfig config;
        try { config = FromMetadata(loaded.Metadata, epochs, threads); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new InvalidInputFileException(path, e.Message);
        }
        var train = trainingSet(config);
        if (Metadata.Get(loaded.Metadata, "data.train_sha256") != Fingerprint(train))
            throw new InvalidInputFileException(path,
                "the run trained on other images than the data given (SHA-256 differs)");
        return (config, new DetectorTrainer(loaded.Model, config.Options, train, loaded.State, loaded.Optimizer));
    }
}
