using Vae.Engine;
using Vae.IO;

namespace Vae.Data;

/// <summary>
/// The label-irrelevant attribute A of the detector experiment, the stand-in for skin tone in DB-VAE's face
/// detector: a property of how an image looks that says nothing about whether it is a digit.
/// </summary>
public enum DetectionAttribute
{
    /// <summary>Inverted polarity, x → 1 − x (byte 255 − b): dark strokes on a bright ground.</summary>
    Inverted,
}

/// <summary>
/// A two-class set for a detector: positives (digits) and negatives (not digits), each image flagged with whether
/// it carries the attribute A (already applied to its pixels). The labels of the two <see cref="ImageSet"/>s keep the
/// source classes (digit 0–9, clothing item 0–9) for pictures and per-class counts.
/// </summary>
public sealed class DetectionSet
{
    public ImageSet Positives { get; }
    public ImageSet Negatives { get; }
    /// <summary>Whether positive i carries A.</summary>
    public bool[] PositiveHasA { get; }
    /// <summary>Whether negative i carries A.</summary>
    public bool[] NegativeHasA { get; }
    public DetectionAttribute Attribute { get; }

    public DetectionSet(ImageSet positives, bool[] positiveHasA, ImageSet negatives, bool[] negativeHasA,
        DetectionAttribute attribute = DetectionAttribute.Inverted)
    {
        if (positiveHasA.Length != positives.Count) throw new ArgumentException("one A flag per positive");
        if (negativeHasA.Length != negatives.Count) throw new ArgumentException("one A flag per negative");
        if (positives.Count == 0 || negatives.Count == 0)
            throw new ArgumentException("a detection set needs both classes");
        Positives = positives;
        Negatives = negatives;
        PositiveHasA = positiveHasA;
        NegativeHasA = negativeHasA;
        Attribute = attribute;
    }

    public int PositivesWithA => PositiveHasA.Count(a => a);
    public int NegativesWithA => NegativeHasA.Count(a => a);

    /// <summary>
    /// Builds a detection set: <paramref name="positiveCount"/> images drawn (seeded, without replacement) from
    /// <paramref name="positives"/>, of which round(<paramref name="aInPositives"/> · count) get A; the same for the
    /// negatives. A count of 0 takes every image. Same inputs and seed, same set.
    /// </summary>
    public static DetectionSet Build(ImageSet positives, int positiveCount, double aInPositives,
        ImageSet negatives, int negativeCount, double aInNegatives, ulong seed,
        DetectionAttribute attribute = DetectionAttribute.Inverted)
    {
        var rng = new Rng(seed, RngStreams.Subset);
        var (pos, posA) = Take(positives, positiveCount, aInPositives, rng, attribute, "positive");
        var (neg, negA) = Take(negatives, negativeCount, aInNegatives, rng, attribute, "negative");
        return new DetectionSet(pos, posA, neg, negA, attribute);
    }

    private static (ImageSet Set, bool[] HasA) Take(ImageSet source, int count, double share, Rng rng,
        DetectionAttribute attribute, string what)
    {
        if (count < 0 || count > source.Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count} {what}s asked, {source.Count} available");
        if (!(share >= 0 && share <= 1)) throw new ArgumentOutOfRangeException(nameof(share), "a share is in [0, 1]");
        if (count == 0) count = source.Count;
        var order = Enumerable.Range(0, source.Count).ToArray();
        rng.Shuffle(order);
        var chosen = order[..count];
        Array.Sort(chosen);   // keep the source's order, so the set does not depend on how the draw was made
        var set = Subsets.Select(source, chosen);
        var hasA = new bool[count];
        var flagged = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(flagged);
        int withA = (int)Math.Round(share * count, MidpointRounding.AwayFromZero);
        foreach (int i in flagged[..withA])
        {
            hasA[i] = true;
            Apply(attribute, set.Images.AsSpan(i * set.Pixels, set.Pixels));
        }
        return (set, hasA);
    }

    /// <summary>Applies A to one image in place.</summary>
    public static void Apply(DetectionAttribute attribute, Span<byte> image)
    {
        switch (attribute)
        {
            case DetectionAttribute.Inverted:
                foreach (ref byte b in image) b = (byte)(255 - b);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(attribute));
        }
    }

    public static string Name(DetectionAttribute a) => a switch
    {
        DetectionAttribute.Inverted => "inverted",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };
}

/// <summary>
/// How a detection set is drawn from a positive and a negative dataset: how many training images of each (0 = all),
/// the share of each that carries A, the share of the test sets that does, and which attribute A is. With a seed it
/// determines the sets exactly, so a checkpoint's run can rebuild them.
/// </summary>
public sealed record DetectionSetup
{
    public int TrainPositives { get; init; } = 20000;
    public int TrainNegatives { get; init; } = 20000;
    /// <summary>Rare among the training positives (the bias to undo).</summary>
    public double APositives { get; init; } = 0.01;
    /// <summary>Common among the training negatives, so that A alone does not mean "positive".</summary>
    public double ANegatives { get; init; } = 0.5;
    /// <summary>Of the test positives and of the test negatives.</summary>
    public double ATest { get; init; } = 0.5;
    public DetectionAttribute Attribute { get; init; } = DetectionAttribute.Inverted;

    /// <summary>The training and test sets of seed <paramref name="seed"/>.</summary>
    public (DetectionSet Train, DetectionSet Test) Build(ImageSet positivesTrain, ImageSet positivesTest,
        ImageSet negativesTrain, ImageSet negativesTest, ulong seed)
    {
        var train = DetectionSet.Build(positivesTrain, Math.Min(TrainPositives, positivesTrain.Count), APositives,
            negativesTrain, Math.Min(TrainNegatives, negativesTrain.Count), ANegatives, seed, Attribute);
        var test = DetectionSet.Build(positivesTest, 0, ATest, negativesTest, 0, ATest, seed + 1_000_003, Attribute);
        return (train, test);
    }

    public Dictionary<string, string> ToMetadata() => new()
    {
        ["detection.train_positives"] = Metadata.Text(TrainPositives),
        ["detection.train_negatives"] = Metadata.Text(TrainNegatives),
        ["detection.a_positives"] = Metadata.Text(APositives),
        ["detection.a_negatives"] = Metadata.Text(ANegatives),
        ["detection.a_test"] = Metadata.Text(ATest),
        ["detection.attribute"] = DetectionSet.Name(Attribute),
    };

    /// <summary>Reads what <see cref="ToMetadata"/> wrote; FormatException naming the bad key.</summary>
    public static DetectionSetup FromMetadata(IReadOnlyDictionary<string, string> m)
    {
        double Share(string key) => Metadata.Double(m, key) is var v && v >= 0 && v <= 1
            ? v : throw new FormatException($"metadata '{key}' is not a share in [0, 1]");
        return new DetectionSetup
        {
            TrainPositives = Metadata.Int(m, "detection.train_positives"),
            TrainNegatives = Metadata.Int(m, "detection.train_negatives"),
            APositives = Share("detection.a_positives"),
            ANegatives = Share("detection.a_negatives"),
            ATest = Share("detection.a_test"),
            Attribute = Metadata.Get(m, "detection.attribute") switch
            {
                "inverted" => DetectionAttribute.Inverted,
                var a => throw new FormatException($"metadata 'detection.attribute' names no attribute: '{a}'"),
            },
        };
    }
}
