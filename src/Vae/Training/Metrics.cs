namespace Vae.Training;

/// <summary>Sums of per-image losses over some images, turned into means (nats per image) on demand.</summary>
public struct LossSums
{
    public double Loss, Reconstruction, Kl;
    public long Images;

    public void Add(double meanLoss, double meanRecon, double meanKl, int images)
    {
        Loss += meanLoss * images;
        Reconstruction += meanRecon * images;
        Kl += meanKl * images;
        Images += images;
    }

    public readonly double MeanLoss => Images == 0 ? double.NaN : Loss / Images;
    public readonly double MeanReconstruction => Images == 0 ? double.NaN : Reconstruction / Images;
    public readonly double MeanKl => Images == 0 ? double.NaN : Kl / Images;
}

/// <summary>Where training is inside an epoch, reported to the caller (the CLI draws the progress line).</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double RunningLoss, double ImagesPerSecond, TimeSpan Eta);

/// <summary>Test-set evaluation: mean negative ELBO and its two parts, in nats per image.</summary>
public readonly record struct Evaluation(double Loss, double Reconstruction, double Kl, int Images);

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
