using Vae.Data;
using Vae.Imaging;


using Vae.Engine;

using Vae.Model;

namespace Vae.Analysis;

/// <summary>How the per-dimension weights of <see cref="Debias"/> become one weight per image.</summary>
public enum DebiasCombine
{
    /// <summary>The largest of the per-dimension weights (as the MIT 6.S191 lab does).</summary>
    Max,
    /// <summary>Their product (the paper's joint-density approximation, computed as a sum of logarithms).</summary>
    Product,
}

/// <summary>
/// The resampling settings: histogram bins per dimension, smoothing α, how dimensions combine, a temperature
/// exponent τ on the combined weight (1 = as the paper; 0 = uniform) and a cap on any one P as a multiple of 1/N
/// (∞ = none).
/// </summary>
public sealed record DebiasOptions(int Bins = 10, double Alpha = 0.001, DebiasCombine Combine = DebiasCombine.Max,
    double Power = 1, double Cap = double.PositiveInfinity)
{
    public void Validate()
    {
        if (Bins < 1) throw new ArgumentException("debias bins must be >= 1");
        if (!(Alpha >= 0) || !double.IsFinite(Alpha)) throw new ArgumentException("debias alpha must be >= 0");
        if (!(Power >= 0) || !double.IsFinite(Power)) throw new ArgumentException("debias power must be >= 0");
        if (!(Cap >= 1)) throw new ArgumentException("debias cap must be >= 1 (a multiple of uniform)");
    }

    public string CombineName => Combine == DebiasCombine.Max ? "max" : "product";
}

/// <summary>
/// Debiasing with learned latent structure (DB-VAE, Amini et al. 2019, Algorithm 1; the MIT 6.S191 lab's
/// get_training_sample_probabilities). The encoder's μ estimates where each image sits in latent space; images in
/// sparsely populated regions (rare digits, rare styles) are drawn more often:
///   for each latent dimension j: h_j = density histogram of μ_j over [min_j, max_j] (count / (n · bin width)),
///                                s_j = (h_j + α) / Σ_bins (h_j + α),
///                                w_j(x) = 1 / s_j(bin of μ_j(x)), normalised so Σ_x w_j(x) = 1;
///   w(x) = max_j w_j(x) (or Π_j w_j(x)), and P(x) = w(x) / Σ_x w(x).
/// α → ∞ makes every s_j flat and P uniform; α = 0 weights by the inverse density alone.
/// </summary>
public static class Debias
{
    /// <summary>
    /// The weights w_j of one dimension: μ is count × latent row-major, the result sums to 1 over the images.
    /// A dimension whose μ never varies cannot tell images apart and gives every image 1/count.
    /// </summary>
    public static double[] DimensionWeights(ReadOnlySpan<float> mu, int count, int latent, int dim, int bins, double alpha)
    {
        Check(mu, count, latent, bins, alpha);
        ArgumentOutOfRangeException.ThrowIfNegative(dim);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(dim, latent);
        var w = new double[count];
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (int n = 0; n < count; n++) { float v = mu[n * latent + dim]; min = Math.Min(min, v); max = Math.Max(max, v); }
        if (!(max > min)) { Array.Fill(w, 1.0 / count); return w; }

        double width = ((double)max - min) / bins;
        var bin = new int[count];
        var h = new double[bins];
        for (int n = 0; n < count; n++)
        {
            // numpy.histogram's bins: half-open [e_k, e_{k+1}), the last one closed.
            int k = (int)((mu[n * latent + dim] - (double)min) / width);
            bin[n] = Math.Clamp(k, 0, bins - 1);
            h[bin[n]]++;
        }
        double total = 0;
        for (int k = 0; k < bins; k++) { h[k] = h[k] / (count * width) + alpha; total += h[k]; }
        double sum = 0;
        for (int n = 0; n < count; n++) { w[n] = total / h[bin[n]]; sum += w[n]; }   // 1 / s = Σ(h + α) / (h + α)
        for (int n = 0; n < count; n++) w[n] /= sum;
        return w;
    }

    /// <summary>
    /// The sampling probabilities P (Σ P = 1) of <paramref name="count"/> images from their μ (count × latent):
    /// P ∝ w(x)^τ, then capped at <see cref="DebiasOptions.Cap"/>/count with the excess spread over the rest.
    /// </summary>
    public static double[] Probabilities(ReadOnlySpan<float> mu, int count, int latent, DebiasOptions options)
    {
        options.Validate();
        Check(mu, count, latent, options.Bins, options.Alpha);
        var combined = new double[count];   // max_j w_j, or Σ_j log w_j for the product
        for (int j = 0; j < latent; j++)
        {
            var w = DimensionWeights(mu, count, latent, j, options.Bins, options.Alpha);
            for (int n = 0; n < count; n++)
                combined[n] = options.Combine == DebiasCombine.Max ? Math.Max(combined[n], w[n]) : combined[n] + Math.Log(w[n]);
        }
        if (options.Combine == DebiasCombine.Product || options.Power != 1)
        {
            if (options.Combine == DebiasCombine.Max)
                for (int n = 0; n < count; n++) combined[n] = Math.Log(combined[n]);
            // exp(τ(log w − max log w)): the product of 20 weights near 1/60000 underflows a double; the ratio does
            // not.
            double top = double.NegativeInfinity;
            foreach (double v in combined) top = Math.Max(top, v);
            for (int n = 0; n < count; n++) combined[n] = Math.Exp(options.Power * (combined[n] - top));
        }
        Normalise(combined);
        if (double.IsFinite(options.Cap)) CapAt(combined, options.Cap / count);
        return combined;
    }

    private static void Normalise(Span<double> p)
    {
        double sum = 0;
        foreach (double v in p) sum += v;
        for (int n = 0; n < p.Length; n++) p[n] /= sum;
    }

    /// <summary>
    /// P_i ← min(s·P_i, cap) with s ≥ 1 chosen so Σ P = 1 again (water-filling, s found by bisection): the images
    /// above the cap give their excess to the others in proportion to their P. cap·count ≥ 1 makes it solvable.
    /// </summary>
    public static void CapAt(Span<double> p, double cap)
    {
        double Total(ReadOnlySpan<double> q, double s)
        {
            double t = 0;
            foreach (double v in q) t += Math.Min(s * v, cap);
            return t;
        }
        if (Total(p, 1) >= 1 - 1e-15 && p.ToArray().Max() <= cap) return;
        double lo = 1, hi = 2;
        while (Total(p, hi) < 1 && hi < 1e300) { lo = hi; hi *= 2; }
        for (int i = 0; i < 200 && hi - lo > lo * 1e-15; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Total(p, mid) < 1) lo = mid; else hi = mid;
        }
        for (int n = 0; n < p.Length; n++) p[n] = Math.Min(hi * p[n], cap);
        Normalise(p);
    }

    /// <summary>Kish's effective sample size (Σ P)² / Σ P²: count for uniform P, 1 when one image takes all.</summary>
    public static double EffectiveSampleSize(ReadOnlySpan<double> p)
    {
        double sum = 0, sumSq = 0;
        foreach (double v in p) { sum += v; sumSq += v * v; }
        return sumSq > 0 ? sum * sum / sumSq : 0;
    }

    /// <summary>The mean P of the images of each label 0..classes−1 (NaN for a label with no image).</summary>
    public static double[] MeanByLabel(ReadOnlySpan<double> p, ReadOnlySpan<byte> labels, int classes = 10)
    {
        if (p.Length != labels.Length) throw new ArgumentException($"{p.Length} probabilities for {labels.Length} labels");
        var sum = new double[classes];
        var n = new int[classes];
        for (int i = 0; i < p.Length; i++) { sum[labels[i]] += p[i]; n[labels[i]]++; }
        for (int c = 0; c < classes; c++) sum[c] = n[c] > 0 ? sum[c] / n[c] : double.NaN;
        return sum;
    }

    /// <summary>
    /// Fills <paramref name="dest"/> with draws with replacement from P (inverse CDF, one NextDouble per draw), so
    /// the same P and the same stream state give the same draws. P need not be normalised; zero entries are never drawn.
    /// </summary>
    public static void Draw(ReadOnlySpan<float> p, Rng rng, Span<int> dest)
    {
        if (p.Length == 0) throw new ArgumentException("nothing to draw from");
        var cumulative = new double[p.Length];
        double total = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (!(p[i] >= 0) || !float.IsFinite(p[i])) throw new ArgumentException($"probability {i} is {p[i]}");
            cumulative[i] = total += p[i];
        }
        if (!(total > 0)) throw new ArgumentException("the probabilities sum to 0");
        for (int d = 0; d < dest.Length; d++)
        {
            double u = rng.NextDouble() * total;
            // The first i with cumulative[i] > u (an entry with p = 0 repeats its predecessor and is skipped).
            int lo = 0, hi = p.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] > u) hi = mid; else lo = mid + 1;
            }
            dest[d] = lo;
        }
    }

    /// <summary>
    /// Two labelled 8×8 grids side by side: the <paramref name="perGrid"/> (≤ 64) images with the highest P, and those
    /// with the lowest, each grid titled and its digit labels counted underneath; with <paramref name="flagged"/>, also
    /// how many of each grid carry that flag (named <paramref name="flagName"/>).
    /// </summary>
    public static GrayImage Picture(ImageSet data, ReadOnlySpan<double> p, int perGrid = 64, bool[]? flagged = null,
        string flagName = "")
    {
        if (flagged != null && flagged.Length != data.Count) throw new ArgumentException("one flag per image");
        if (p.Length != data.Count) throw new ArgumentException($"{p.Length} probabilities for {data.Count} images");
        perGrid = Math.Min(Math.Min(perGrid, 64), data.Count);
        var pArray = p.ToArray();
        var byP = Enumerable.Range(0, data.Count).OrderByDescending(i => pArray[i]).ThenBy(i => i).ToArray();
        int[][] chosen = [byP[..perGrid], byP[^perGrid..].Reverse().ToArray()];

        const int border = 2, gap = 16, text = 2;
        var grids = new GrayImage[2];
        var cells = new float[perGrid * data.Pixels];
        for (int g = 0; g < 2; g++)
        {
            data.FillBatch(chosen[g], cells);
            grids[g] = GrayImage.Grid(cells, perGrid, 8, 8, GrayImage.SideOf(data.Pixels), border, 1, borderValue: Canvas.Paper);
        }
        int lineHeight = PixelFont.Height(text) + 8;
        int top = gap / 2 + lineHeight;
        string Counts(int[] idx) => string.Join(" ", idx.GroupBy(i => data.Labels[i]).OrderByDescending(q => q.Count())
            .ThenBy(q => q.Key).Take(5).Select(q => $"{q.Key}:{q.Count()}"));
        string[] titles = ["highest P", "lowest P"];
        string[][] notes = chosen.Select(idx => new[]
        {
            "labels " + Counts(idx),
            "P = " + Times(pArray[idx[0]] * data.Count) + " to " + Times(pArray[idx[^1]] * data.Count) + " × uniform",
            flagged == null ? "" : $"{flagName}: {idx.Count(i => flagged[i])} of {idx.Length}",
        }).ToArray();
        int columnWidth = Math.Max(grids[0].Width, notes.SelectMany(n => n).Max(t => PixelFont.Width(t, 1)));
        int lines = flagged == null ? 2 : 3;
        var page = new GrayImage(gap + 2 * columnWidth + 2 * gap,
            top + grids[0].Height + lines * (PixelFont.Height(1) + 2) + 2 + gap, Canvas.Paper);
        for (int g = 0; g < 2; g++)
        {
            int x = gap + g * (columnWidth + gap);
            PixelFont.Draw(page, titles[g], x, gap / 2, Canvas.Ink, text);
            Canvas.Paste(page, grids[g], x, top);
            for (int line = 0; line < lines; line++)
                PixelFont.Draw(page, notes[g][line], x, top + grids[g].Height + 4 + line * (PixelFont.Height(1) + 2), Canvas.Ink, 1);
        }
        return page;
    }

    // A multiple of uniform for the picture's notes: two decimals, or two significant digits below 0.01.
    private static string Times(double v) => Canvas.F(v, v >= 0.01 || v == 0 ? "0.##" : "0.0#E+0");

    private static void Check(ReadOnlySpan<float> mu, int count, int latent, int bins, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latent);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        if (!(alpha >= 0) || !double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be >= 0");
        if (mu.Length != (long)count * latent) throw new ArgumentException($"{mu.Length} values of μ for {count} × {latent}");
    }
}
