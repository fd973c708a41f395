using System.Globalization;

using Vae.Analysis;

namespace Vae.Training;

/// <summary>
/// Everything besides weights and Adam's moments that a resumed run needs to continue bit for bit: the position
/// (epochs done, batches done in the current one), both random streams, Adam's step count, and the running sums of
/// the unfinished epoch. Saved as strings in a checkpoint's metadata (doubles in round-trip form).
/// </summary>
public sealed class TrainingState
{
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; set; }
    /// <summary>Batches completed in the epoch under way (0 at an epoch boundary).</summary>
    public int BatchInEpoch { get; set; }
    /// <summary>Optimizer steps taken in total.</summary>
    public long Step { get; set; }
    /// <summary>The shuffle stream as it was when the epoch under way started (its order is rebuilt from it).</summary>
    public string ShuffleAtEpochStart { get; set; } = "";
    /// <summary>The noise (ε) stream's position; filled in by <see cref="Trainer.Capture"/>.</summary>
    public string? Noise { get; set; }
    public LossSums EpochSums;
    public double EpochSeconds { get; set; }
    /// <summary>
    /// With --resample-latent: the sampling probabilities the epoch under way draws from (computed from the weights at
    /// its start,
    /// which a mid-epoch checkpoint no longer has). Saved as the tensor <c>state.debias_probabilities</c>; null otherwise.
    /// </summary>
    public float[]? DebiasProbabilities { get; set; }

    /// <summary>
    /// Closes the epoch under way after <paramref name="seconds"/> of training: its result, then the state of a run
    /// standing at the next epoch's start (whose order is drawn from <paramref name="shuffleAtNextStart"/>).
    /// </summary>
    public EpochResult EndEpoch(int epoch, double seconds, string shuffleAtNextStart)
    {
        var result = new EpochResult(epoch, EpochSums, seconds, Completed: true);
        Epoch = epoch;
        BatchInEpoch = 0;
        EpochSums = default;
        EpochSeconds = 0;
        ShuffleAtEpochStart = shuffleAtNextStart;
        DebiasProbabilities = null;   // the next epoch computes its own from the weights it starts with
        return result;
    }

    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public Dictionary<string, string> ToMetadata() => new()
    {
        ["state.epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
        ["state.batch_in_epoch"] = BatchInEpoch.ToString(CultureInfo.InvariantCulture),
        ["state.step"] = Step.ToString(CultureInfo.InvariantCulture),
        ["state.shuffle_rng"] = ShuffleAtEpochStart,
        ["state.noise_rng"] = Noise ?? throw new InvalidOperationException("capture the state before saving it"),
        ["state.sum_loss"] = D(EpochSums.Loss),
        ["state.sum_recon"] = D(EpochSums.Reconstruction),
        ["state.sum_kl"] = D(EpochSums.Kl),
        ["state.sum_images"] = EpochSums.Images.ToString(CultureInfo.InvariantCulture),
        ["state.epoch_seconds"] = D(EpochSeconds),
    };

    /// <summary>Reads the state back; throws FormatException naming the missing or bad key.</summary>
    public static TrainingState FromMetadata(IReadOnlyDictionary<string, string> m)
    {
        string Get(string k) => m.TryGetValue(k, out var v) ? v : throw new FormatException($"metadata has no '{k}'");
        long L(string k) => long.TryParse(Get(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && v >= 0
            ? v : throw new FormatException($"metadata '{k}' is not a count: '{Get(k)}'");
        double Dbl(string k) => double.TryParse(Get(k), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v : throw new FormatException($"metadata '{k}' is not a number: '{Get(k)}'");
        var state = new TrainingState
        {
            Epoch = checked((int)L("state.epoch")),
            BatchInEpoch = checked((int)L("state.batch_in_epoch")),
            Step = L("state.step"),
            ShuffleAtEpochStart = Get("state.shuffle_rng"),
            Noise = Get("state.noise_rng"),
            EpochSeconds = Dbl("state.epoch_seconds"),
        };
        state.EpochSums.Loss = Dbl("state.sum_loss");
        state.EpochSums.Reconstruction = Dbl("state.sum_recon");
        state.EpochSums.Kl = Dbl("state.sum_kl");
        state.EpochSums.Images = L("state.sum_images");
        // Validate the streams now, so a bad file fails on load rather than mid-run.
        new Engine.Rng(0).SetState(state.ShuffleAtEpochStart);
        new Engine.Rng(0).SetState(state.Noise);
        return state;
    }
}
