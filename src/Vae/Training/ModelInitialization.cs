using Vae.Data;
using Vae.Engine;
using Vae.Model;

namespace Vae.Training;

/// <summary>How a fresh run's model gets its first weights: <see cref="TrainOptions.Init"/> from the seed's init
/// stream, and for <see cref="WeightInit.Burda"/> an output bias computed from the training images.</summary>
public static class ModelInitialization
{
    /// <summary>Clip of the mean intensity before the logit, as in Burda et al.'s code: no logit is ±∞.</summary>
    public const double MeanClip = 0.001;

    /// <summary>
    /// Initialises <paramref name="model"/> as <paramref name="options"/> say. <paramref name="train"/> is needed by
    /// <see cref="WeightInit.Burda"/> only (ArgumentException without it).
    /// </summary>
    public static void Apply(VaeModel model, TrainOptions options, ImageSet? train)
    {
        var rng = new Rng(options.Seed, RngStreams.Init);
        if (options.Init != WeightInit.Burda) { model.Initialize(rng, options.Init); return; }
        if (train == null)
            throw new ArgumentException("the burda initialisation sets the output bias from the training images: " +
                "build the trainer with them");
        model.Initialize(rng, WeightInit.Burda, MeanPixelLogits(train));
    }

    /// <summary>
    /// logit(clip(m_i, 0.001, 0.999)) per pixel i, m_i the mean of byte/255 over the training images: with it the
    /// untrained decoder outputs the average image (for dynamic binarisation m_i is the mean of the binary draws).
    /// </summary>
    public static float[] MeanPixelLogits(ImageSet train)
    {
        if (train.Count == 0) throw new ArgumentException("no training images to take the mean of");
        var sums = new long[train.Pixels];
        for (int n = 0; n < train.Count; n++)
        {
            var image = train.Image(n);
            for (int i = 0; i < sums.Length; i++) sums[i] += image[i];
        }
        var logits = new float[sums.Length];
        for (int i = 0; i < sums.Length; i++)
        {
            double m = Math.Clamp(sums[i] / (255.0 * train.Count), MeanClip, 1 - MeanClip);
            logits[i] = (float)Math.Log(m / (1 - m));
        }
        return logits;
    }
}
