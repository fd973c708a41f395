using Vae.Model;

namespace Vae.Training;

/// <summary>
/// The KL objective of the step about to be taken, from the options and the optimizer steps already done (so a
/// resumed run, which restores that count, continues the schedule exactly).
/// </summary>
public static class KlSchedule
{
    /// <summary>
    /// KL warm-up: β_t = β·min(1, t / (E·batches per epoch)), a linear ramp from 0 over E epochs (fractional epochs
    /// allowed). Capacity: C_t = C·min(1, t / N), a linear ramp from 0 over N steps (Burgess et al. 2018, §4).
    /// t = steps done before this one.
    /// </summary>
    public static KlObjective At(TrainOptions options, long stepsDone, int batchesPerEpoch)
    {
        if (options.Capacity is float capacity)
            return KlObjective.CapacityTarget(capacity * Ramp(stepsDone, options.CapacityIters), options.Gamma);
        return KlObjective.Weighted(options.Beta * Ramp(stepsDone, options.KlWarmupEpochs * batchesPerEpoch));
    }

    /// <summary>min(1, done / length); 1 when there is no ramp (length ≤ 0).</summary>
    private static float Ramp(long done, double length) => length > 0 ? (float)Math.Min(1.0, done / length) : 1f;
}
