using Vae.Data;
using Vae.Model;

using Vae.Engine;

namespace Vae.Analysis;

/// <summary>
/// The test loss split by digit: the same negative ELBO as <see cref="Trainer.Evaluate(VaeModel, ImageSet, int, int, ulong)"/>,
/// on the images of each label in turn. It shows what an average hides, e.g. a digit made rare in training
/// (the debiasing demonstration) reconstructed worse than the rest.
/// </summary>
public static class PerLabelEvaluation
{
    /// <summary>One evaluation per label 0..<paramref name="classes"/>−1 (null for a label with no image).</summary>
    public static Evaluation?[] Run(VaeModel model, ImageSet data, int classes = 10, int batchSize = 1000, int threads = 0, ulong seed = 1)
    {
        var result = new Evaluation?[classes];
        var evaluator = new Evaluator(batchSize, threads);
        for (int label = 0; label < classes; label++)
        {
            var subset = Subsets.OfLabel(data, label);
            if (subset.Count > 0) result[label] = evaluator.Run(model, subset, seed);
        }
        return result;
    }

    /// <summary>The image-weighted mean loss over the labels other than <paramref name="label"/>.</summary>
    public static double MeanLossExcept(IReadOnlyList<Evaluation?> perLabel, int label)
    {
        double sum = 0;
        long images = 0;
        for (int c = 0; c < perLabel.Count; c++)
            if (c != label && perLabel[c] is { } e) { sum += e.Loss * e.Images; images += e.Images; }
        return images > 0 ? sum / images : double.NaN;
    }
}
