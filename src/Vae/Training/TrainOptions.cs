using Vae.Analysis;
using Vae.Model;
using Vae.Objectives;

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
    /// <summary>With more than one thread, time the steps on all of them and on one every few thousand steps and run
    /// on the faster (<see cref="ThreadChooser"/>; the same bits either way). False: always <see cref="Threads"/>.
    /// </summary>
    public bool AdaptThreads { get; init; } = true;
    /// <summary>What the steps minimise (see Objectives/); the negative ELBO by default.</summary>
    public IObjective Objective { get; init; } = ElboObjective.Standard;
    /// <summary>Clip the global gradient norm to this value before each update (0 = off).</summary>
    public float ClipGradNorm { get; init; }
    /// <summary>Batch size for evaluation (does not change results, only speed and memory).</summary>
    public int EvalBatchSize { get; init; } = 1000;
    /// <summary>
    /// Latent-density resampling (the sampler of DB-VAE, Amini et al. 2019, without its detector) when set: each epoch
    /// draws its N images with replacement from
    /// <see cref="Debias.Probabilities"/> of the model's μ at the epoch's start, instead of a shuffle.
    /// </summary>
    public DebiasOptions? Debias { get; init; }
    /// <summary>
    /// The biased training set of the debiasing demonstration: only <see cref="BiasKeep"/> of the images of this digit
    /// (null = none) are kept (<see cref="Data.Subsets.KeepFractionOf"/>, seeded by <see cref="Seed"/>). Applied by whoever
    /// loads the data; kept here so that a resumed run rebuilds the same set.
    /// </summary>
    public int? BiasDigit { get; init; }
    public double BiasKeep { get; init; } = 1;
    /// <summary>"burda": each epoch's learning rate from <see cref="BurdaSchedule"/>; null:
    /// <see cref="LearningRate"/> throughout.</summary>
    public string? Schedule { get; init; }
    /// <summary>Adam's ε (PyTorch's 1e-8 by default; Burda et al. use 1e-4).</summary>
    public float AdamEpsilon { get; init; } = 1e-8f;
    /// <summary>
    /// Adam inside the backward pass (<see cref="Nn.Adam.BackwardAndUpdate"/>): each weight updated from its gradient
    /// strip by strip as the product computes it, instead of after the pass. The same bits either way; false is the
    /// plain order (kept for comparison). Off by itself when gradients are clipped (the norm needs them all first).
    /// </summary>
    public bool FusedUpdate { get; init; } = true;
    /// <summary>How a fresh run draws its weights (<see cref="WeightInit"/>); a resumed run keeps its own.</summary>
    public WeightInit Init { get; init; } = WeightInit.Default;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("epochs must be >= 1");
        if (BatchSize < 1) throw new ArgumentException("batch size must be >= 1");
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new ArgumentException("learning rate must be > 0");
        if (Threads < 0) throw new ArgumentException("threads must be >= 1 (or 0 for all cores)");
        if (!(ClipGradNorm >= 0)) throw new ArgumentException("clip-grad must be >= 0");
        Debias?.Validate();
        if (BiasDigit is < 0 or > 9) throw new ArgumentException("bias-digit must be 0..9");
        if (!(BiasKeep >= 0 && BiasKeep <= 1)) throw new ArgumentException("bias-keep must be in [0, 1]");
        if (Schedule is not (null or BurdaSchedule.Name))
            throw new ArgumentException($"schedule must be {BurdaSchedule.Name}");
        if (!(AdamEpsilon > 0) || !float.IsFinite(AdamEpsilon)) throw new ArgumentException("adam epsilon must be > 0");
        if (!Enum.IsDefined(Init))
            throw new ArgumentException("init must be one of " + string.Join(", ", WeightInits.Names));
    }
}

