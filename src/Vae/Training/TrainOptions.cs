namespace Vae.Training;

/// <summary>How to train (the defaults are those of pytorch/examples' VAE).</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>The one seed behind initialisation, shuffling and ε (separate streams of it, see Rng).</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Threads for matrix products: 0 = all cores.</summary>
    public int Threads { get; init; }
    /// <summary>β, the weight of the KL term (β-VAE, Higgins et al. 2017); 1 gives the ELBO.</summary>
    public float Beta { get; init; } = 1f;
    /// <summary>KL warm-up: β ramps linearly from 0 to <see cref="Beta"/> over this many epochs (0 = off). See KlSchedule.</summary>
    public double KlWarmupEpochs { get; init; }
    /// <summary>
    /// Capacity objective (Burgess et al. 2018) when set: loss = recon + γ·|KL − C_t|, C_t rising from 0 to this
    /// many nats over <see cref="CapacityIters"/> steps; β and warm-up are then unused.
    /// </summary>
    public float? Capacity { get; init; }
    public long CapacityIters { get; init; }
    /// <summary>γ of the capacity objective.</summary>
    public float Gamma { get; init; } = 100f;
    /// <summary>Clip the global gradient norm to this value before each update (0 = off).</summary>
    public float ClipGradNorm { get; init; }
    /// <summary>Batch size for evaluation (does not change results, only speed and memory).</summary>
    public int EvalBatchSize { get; init; } = 1000;
    /// <summary>
    /// DB-VAE resampling (Amini et al. 2019) when set: each epoch draws its N images with replacement from
    /// <see cref="Lecture.Debias.Probabilities"/> of the model's μ at the epoch's start, instead of a shuffle.
    /// </summary>
    public Lecture.DebiasOptions? Debias { get; init; }
    /// <summary>
    /// The biased training set of the debiasing demonstration: only <see cref="BiasKeep"/> of the images of this digit
    /// (null = none) are kept (<see cref="Data.Subsets.KeepFractionOf"/>, seeded by <see cref="Seed"/>). Applied by whoever
    /// loads the data; kept here so that a resumed run rebuilds the same set.
    /// </summary>
    public int? BiasDigit { get; init; }
    public double BiasKeep { get; init; } = 1;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("epochs must be >= 1");
        if (BatchSize < 1) throw new ArgumentException("batch size must be >= 1");
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new ArgumentException("learning rate must be > 0");
        if (Threads < 0) throw new ArgumentException("threads must be >= 1 (or 0 for all cores)");
        if (!(Beta >= 0) || !float.IsFinite(Beta)) throw new ArgumentException("beta must be >= 0");
        if (!(KlWarmupEpochs >= 0) || !double.IsFinite(KlWarmupEpochs)) throw new ArgumentException("kl-warmup must be >= 0");
        if (Capacity is float c && (!(c >= 0) || !float.IsFinite(c))) throw new ArgumentException("capacity must be >= 0");
        if (CapacityIters < 0) throw new ArgumentException("capacity-iters must be >= 0");
        if (!(Gamma >= 0) || !float.IsFinite(Gamma)) throw new ArgumentException("gamma must be >= 0");
        if (!(ClipGradNorm >= 0)) throw new ArgumentException("clip-grad must be >= 0");
        Debias?.Validate();
        if (BiasDigit is < 0 or > 9) throw new ArgumentException("bias-digit must be 0..9");
        if (!(BiasKeep >= 0 && BiasKeep <= 1)) throw new ArgumentException("bias-keep must be in [0, 1]");
    }
}

/// <summary>Rng stream numbers: one purpose each, so that adding a use of randomness never shifts another.</summary>
public static class RngStreams
{
    public const ulong Init = 0, Shuffle = 1, Noise = 2, Evaluation = 3, Sampling = 4, Subset = 5;
}
