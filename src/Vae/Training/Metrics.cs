using Vae.Analysis;

namespace Vae.Training;

/// <summary>Where training is inside an epoch, reported to the caller (the CLI draws the progress line).</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double RunningLoss, double ImagesPerSecond,
    TimeSpan Eta)
{
    /// <summary>The progress after <paramref name="seconds"/> of this session's training in the epoch.</summary>
    public static BatchProgress Of(int epoch, int batch, int batches, LossSums sums, long imagesBefore, double seconds,
        long imagesLeft)
    {
        double rate = seconds > 0 ? (sums.Images - imagesBefore) / seconds : 0;
        return new(epoch, batch, batches, sums.MeanLoss, rate, TimeSpan.FromSeconds(rate > 0 ? imagesLeft / rate : 0));
    }
}

/// <summary>One finished (or interrupted) epoch of training.</summary>
public sealed record EpochResult(int Epoch, LossSums Train, double Seconds, bool Completed)
{
    public double ImagesPerSecond => Seconds > 0 ? Train.Images / Seconds : 0;
}

/// <summary>Thrown when a training step's loss is NaN or infinite; the model is left as it was before that step.</summary>
public sealed class NonFiniteLossException(int epoch, int batch, long step, double loss)
    : Exception($"non-finite loss ({loss}) at epoch {epoch}, batch {batch} (optimizer step {step})")
{
    public int Epoch { get; } = epoch;
    public int Batch { get; } = batch;
    public long Step { get; } = step;
}
