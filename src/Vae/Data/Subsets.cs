using Vae.Engine;

namespace Vae.Data;

/// <summary>Parts of an <see cref="ImageSet"/>: chosen images, one label, or a set with one class made rare.</summary>
public static class Subsets
{
    /// <summary>The images at <paramref name="indices"/>, in that order (a copy).</summary>
    public static ImageSet Select(ImageSet data, ReadOnlySpan<int> indices)
    {
        int pixels = data.Pixels, factors = data.FactorCount;
        var images = new byte[indices.Length * pixels];
        var labels = new byte[indices.Length];
        var values = data.Factors == null ? null : new float[indices.Length * factors];
        for (int i = 0; i < indices.Length; i++)
        {
            data.Image(indices[i]).CopyTo(images.AsSpan(i * pixels, pixels));
            labels[i] = data.Labels[indices[i]];
            if (values != null) data.FactorsOf(indices[i]).CopyTo(values.AsSpan(i * factors, factors));
        }
        return data.With(images, labels, values);
    }

    /// <summary>The images labelled <paramref name="label"/>, in their original order.</summary>
    public static ImageSet OfLabel(ImageSet data, int label)
    {
        var indices = new List<int>();
        for (int i = 0; i < data.Count; i++) if (data.Labels[i] == label) indices.Add(i);
        return Select(data, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(indices));
    }

    /// <summary>
    /// A biased copy of <paramref name="data"/> (the DB-VAE demonstration): of the images labelled
    /// <paramref name="digit"/> only round(keep · their count) stay, chosen by a seeded shuffle; every other image stays.
    /// Original order is kept, so the same (data, digit, keep, seed) always gives the same set.
    /// </summary>
    public static ImageSet KeepFractionOf(ImageSet data, int digit, double keep, ulong seed)
    {
        if (digit is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(digit), "a digit is 0..9");
        if (!(keep >= 0 && keep <= 1)) throw new ArgumentOutOfRangeException(nameof(keep), "keep is a fraction in [0, 1]");
        var ofDigit = new List<int>();
        for (int i = 0; i < data.Count; i++) if (data.Labels[i] == digit) ofDigit.Add(i);
        var candidates = ofDigit.ToArray();
        new Rng(seed, RngStreams.Subset).Shuffle(candidates);
        var kept = new HashSet<int>(candidates.Take((int)Math.Round(keep * candidates.Length, MidpointRounding.AwayFromZero)));
        var indices = Enumerable.Range(0, data.Count).Where(i => data.Labels[i] != digit || kept.Contains(i)).ToArray();
        return Select(data, indices);
    }
}
