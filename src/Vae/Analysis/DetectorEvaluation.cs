using Vae.Data;
using Vae.Engine;
using Vae.Model;
using Vae.Objectives;

namespace Vae.Analysis;

/// <summary>
/// A detector judged per subgroup (the paper judges its face detector per skin tone and sex): the rate at which it
/// says "digit" (logit > 0) on positives with and without A and on negatives with and without A.
/// </summary>
public readonly record struct DetectorScores(int PositivesA, int DetectedA, int PositivesOther, int DetectedOther,
    int NegativesA, int FalseA, int NegativesOther, int FalseOther)
{
    /// <summary>True-positive rate on the positives with A.</summary>
    public double TprA => Rate(DetectedA, PositivesA);
    /// <summary>True-positive rate on the other positives.</summary>
    public double TprOther => Rate(DetectedOther, PositivesOther);
    /// <summary>TPR on the others minus TPR on A: the bias.</summary>
    public double Gap => TprOther - TprA;
    /// <summary>False-positive rate on all negatives.</summary>
    public double Fpr => Rate(FalseA + FalseOther, NegativesA + NegativesOther);
    /// <summary>Accuracy over every test image.</summary>
    public double Accuracy => Rate(DetectedA + DetectedOther + NegativesA - FalseA + NegativesOther - FalseOther,
        PositivesA + PositivesOther + NegativesA + NegativesOther);
    /// <summary>The lowest accuracy of the four groups (positive/negative × with/without A) that have images.</summary>
    public double WorstGroupAccuracy => new[]
    {
        PositivesA > 0 ? TprA : 1, PositivesOther > 0 ? TprOther : 1,
        NegativesA > 0 ? 1 - Rate(FalseA, NegativesA) : 1,
        NegativesOther > 0 ? 1 - Rate(FalseOther, NegativesOther) : 1,
    }.Min();

    /// <summary>The rates alone (what tables and CSV files keep).</summary>
    public DetectorMeasures Measures => new(TprA, TprOther, Gap, WorstGroupAccuracy, Accuracy, Fpr);

    private static double Rate(int k, int n) => n == 0 ? double.NaN : (double)k / n;
}

/// <summary>A detector's rates: TPR with and without A, their gap, worst-group accuracy, accuracy, FPR.</summary>
public readonly record struct DetectorMeasures(double TprA, double TprOther, double Gap, double WorstGroupAccuracy,
    double Accuracy, double Fpr);

/// <summary>Runs a detector over a <see cref="DetectionSet"/>.</summary>
public static class DetectorEvaluation
{
    public static DetectorScores Run(VaeModel model, DetectionSet data, int batchSize = 1000, int threads = 0)
    {
        var (pa, po) = Count(model, data.Positives, data.PositiveHasA, batchSize, threads);
        var (na, no) = Count(model, data.Negatives, data.NegativeHasA, batchSize, threads);
        return new DetectorScores(pa.Total, pa.Yes, po.Total, po.Yes, na.Total, na.Yes, no.Total, no.Yes);
    }

    /// <summary>The class logit of every image of <paramref name="set"/>.</summary>
    public static float[] Logits(VaeModel model, ImageSet set, int batchSize = 1000, int threads = 0)
    {
        var logits = new float[set.Count];
        var tape = Tape.ForInference(threads);
        var x = new Tensor(Math.Min(batchSize, Math.Max(set.Count, 1)), model.Config.Input, name: "x");
        var indices = new int[x.Rows];
        for (int start = 0; start < set.Count; start += batchSize)
        {
            int b = Math.Min(batchSize, set.Count - start);
            for (int i = 0; i < b; i++) indices[i] = start + i;
            x.Reshape(b, model.Config.Input, false);
            set.FillBatch(indices.AsSpan(0, b), x.Data);
            tape.Reset();
            var logit = model.Head(tape, ClassifierObjective.Head, model.Encode(tape, x).Hidden);
            logit.Data.CopyTo(logits.AsSpan(start, b));
        }
        return logits;
    }

    private static ((int Total, int Yes) A, (int Total, int Yes) Other) Count(VaeModel model, ImageSet set,
        bool[] hasA, int batchSize, int threads)
    {
        var logits = Logits(model, set, batchSize, threads);
        int ta = 0, ya = 0, to = 0, yo = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            bool yes = logits[i] > 0;
            if (hasA[i]) { ta++; if (yes) ya++; }
            else { to++; if (yes) yo++; }
        }
        return ((ta, ya), (to, yo));
    }
}
