namespace Vae.Training;

/// <summary>
/// The optimisation schedule of Burda, Grosse &amp; Salakhutdinov (ICLR 2016), §5: Adam with β₁ 0.9, β₂ 0.999,
/// ε 1e-4, batches of 20, and 8 stages i = 0 … 7 of 3^i epochs each at learning rate 0.001 · 10^(−i/7):
/// 1 + 3 + … + 2187 = 3,280 epochs in all.
/// </summary>
public static class BurdaSchedule
{
    public const string Name = "burda";
    public const int Stages = 8;
    public const int BatchSize = 20;
    public const float AdamEpsilon = 1e-4f;
    /// <summary>Σ_{i=0}^{7} 3^i = (3⁸ − 1) / 2.</summary>
    public const int TotalEpochs = 3280;

    /// <summary>Epochs of stage i: 3^i.</summary>
    public static int EpochsOfStage(int stage) =>
        stage is >= 0 and < Stages ? (int)Math.Pow(3, stage) : throw new ArgumentOutOfRangeException(nameof(stage));

    /// <summary>Learning rate of stage i: 0.001 · 10^(−i/7).</summary>
    public static float LearningRateOfStage(int stage) =>
        stage is >= 0 and < Stages
            ? (float)(1e-3 * Math.Pow(10, -stage / 7.0))
            : throw new ArgumentOutOfRangeException(nameof(stage));

    /// <summary>The stage of epoch <paramref name="epoch"/> (1-based); epochs past the end stay in the last.</summary>
    public static int StageOf(int epoch)
    {
        if (epoch < 1) throw new ArgumentOutOfRangeException(nameof(epoch), "epochs count from 1");
        int end = 0;
        for (int i = 0; i < Stages; i++)
            if (epoch <= (end += EpochsOfStage(i))) return i;
        return Stages - 1;
    }

    /// <summary>True for the last epoch of a stage: 1, 4, 13, 40, 121, 364, 1093, 3280 (Σ_{j≤i} 3^j).</summary>
    public static bool IsStageEnd(int epoch)
    {
        int end = 0;
        for (int i = 0; i < Stages; i++)
            if (epoch == (end += EpochsOfStage(i))) return true;
        return false;
    }

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (1-based).</summary>
    public static float LearningRateAt(int epoch) => LearningRateOfStage(StageOf(epoch));
}
