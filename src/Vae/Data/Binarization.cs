using Vae.Kernels;

namespace Vae.Data;

/// <summary>
/// Binary images from grey ones, x ~ Bernoulli(intensity) per pixel (Burda et al. 2016, §5: "dynamically binarized":
/// a fresh draw each time an image is used). The draws are counter-based — a hash of (seed, use, row, pixel) — so
/// they need no state: a run resumed at step t draws exactly what it would have drawn, and draws of different
/// steps or rows are independent.
/// </summary>
public static class Binarization
{
    /// <summary>The seed of the test set's one binarisation, the same for every model evaluated.</summary>
    public const ulong TestSeed = 20160101;

    /// <summary>
    /// dest[i] = 1 with probability src[i]/255, else 0 (src one image of bytes, dest its floats). The draw is keyed by
    /// (<paramref name="seed"/>, <paramref name="use"/>, <paramref name="row"/>): the same key gives the same image.
    /// Exact up to 2⁻³²: pixel i is 1 iff u·255 &lt; src[i]·2³² for a uniform 32-bit u.
    /// </summary>
    public static void Draw(ReadOnlySpan<byte> src, ulong seed, ulong use, int row, Span<float> dest) =>
        CounterBernoulli.Fill(src, Key(seed, use, row), dest);

    /// <summary>The hash key of draw (seed, use, row); <see cref="CounterBernoulli"/> hashes the pixels from it.
    /// </summary>
    public static ulong Key(ulong seed, ulong use, int row) =>
        Mix(Mix(seed ^ 0x6A09E667F3BCC909UL) + use * 0x9E3779B97F4A7C15UL + (ulong)row);

    /// <summary>
    /// A copy of <paramref name="set"/> binarised once (bytes 0 or 255), image i drawn with key (seed, 0, i): the
    /// fixed binary test set of Burda et al.'s evaluation.
    /// </summary>
    public static ImageSet Once(ImageSet set, ulong seed = TestSeed)
    {
        var bytes = new byte[set.Images.Length];
        var row = new float[set.Pixels];
        for (int i = 0; i < set.Count; i++)
        {
            Draw(set.Image(i), seed, 0, i, row);
            for (int p = 0; p < row.Length; p++) bytes[i * set.Pixels + p] = row[p] > 0 ? (byte)255 : (byte)0;
        }
        return set.With(bytes, (byte[])set.Labels.Clone(), set.Factors);
    }

    private static ulong Mix(ulong z) => CounterBernoulli.Mix(z);
}
