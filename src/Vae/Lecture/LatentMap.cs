using Vae.Data;
using Vae.Engine;
using Vae.Imaging;
using Vae.Model;

using Vae.Analysis;

namespace Vae.Lecture;

/// <summary>
/// Two maps of a trained latent space. <see cref="Scatter"/>: the test set's μ in two latent dimensions, coloured
/// by digit label, which shows the lecture's "continuity" and "completeness": classes as neighbouring clouds around
/// the origin, with no labels used in training. <see cref="Manifold"/>: for a 2-D model, the decoder over a grid
/// of z placed at evenly spaced quantiles of the prior (Kingma &amp; Welling 2014, figure 4).
/// </summary>
public static class LatentMap
{
    /// <summary>Ten distinct colours for the digits 0–9 (matplotlib's "tab10").</summary>
    public static readonly (byte R, byte G, byte B)[] DigitColors =
    [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ];

    private static readonly (byte, byte, byte) White = (255, 255, 255), Black = (0, 0, 0), Grid = (225, 225, 225);

    /// <summary>The two dimensions to plot: the two with the largest <see cref="LatentCodes.Score"/> (0 and 1 for J = 2).</summary>
    public static (int X, int Y) DefaultAxes(LatentCodes codes)
    {
        if (codes.Latent < 2) throw new ArgumentException("a scatter plot needs at least 2 latent dimensions");
        if (codes.Latent == 2) return (0, 1);
        var best = codes.DimensionsByScore();
        return (Math.Min(best[0], best[1]), Math.Max(best[0], best[1]));
    }

    /// <summary>
    /// μ_x against μ_y for every encoded image, one 2×2-pixel dot coloured by label, with gridlines, ticks and
    /// numbers on both axes, a legend and a title. The axes span the central 99% of the points (plus a margin),
    /// so a few outliers do not squeeze the picture.
    /// </summary>
    /// <para>With <paramref name="ellipseEvery"/> = k > 0 and a VAE's codes, every k-th point also gets the ellipse
    /// μ ± σ of its q(z|x) (σ = e^{logvar/2}, axis-aligned as the diagonal Gaussian is): the "probabilistic twist".
    /// <paramref name="range"/> fixes the axes (x0, x1, y0, y1) instead.</para>
    public static RgbImage Scatter(LatentCodes codes, int dimX, int dimY, string title, int plotSize = 600,
        int ellipseEvery = 0, (double X0, double X1, double Y0, double Y1)? range = null)
    {
        const int left = 64, top = 56, legendWidth = 100, bottom = 52, text = 2;
        var (x0, x1, y0, y1) = range ?? Range(codes, dimX, dimY);
        var image = new RgbImage(left + plotSize + legendWidth, top + plotSize + bottom, White);
        int Px(double v) => left + (int)Math.Round((v - x0) / (x1 - x0) * (plotSize - 1));
        int Py(double v) => top + plotSize - 1 - (int)Math.Round((v - y0) / (y1 - y0) * (plotSize - 1));

        // Gridlines and tick labels.
        foreach (double t in Ticks(x0, x1))
        {
            int px = Px(t);
            for (int y = top; y < top + plotSize; y++) image.TrySet(px, y, Grid);
            for (int y = top + plotSize; y < top + plotSize + 5; y++) image.TrySet(px, y, Black);
            string s = Label(t);
            PixelFont.Draw(image, s, px - PixelFont.Width(s, text) / 2, top + plotSize + 8, Black, text);
        }
        foreach (double t in Ticks(y0, y1))
        {
            int py = Py(t);
            for (int x = left; x < left + plotSize; x++) image.TrySet(x, py, Grid);
            for (int x = left - 5; x < left; x++) image.TrySet(x, py, Black);
            string s = Label(t);
            PixelFont.Draw(image, s, left - 8 - PixelFont.Width(s, text), py - PixelFont.Height(text) / 2 + 1, Black, text);
        }

        // The points, in data order.
        for (int n = 0; n < codes.Count; n++)
        {
            double vx = codes.Mu[n * codes.Latent + dimX], vy = codes.Mu[n * codes.Latent + dimY];
            if (vx < x0 || vx > x1 || vy < y0 || vy > y1) continue;
            var c = DigitColors[codes.Labels[n] % 10];
            int px = Px(vx), py = Py(vy);
            image.TrySet(px, py, c); image.TrySet(px + 1, py, c); image.TrySet(px, py + 1, c); image.TrySet(px + 1, py + 1, c);
        }

        // σ ellipses of a sample of points, drawn over the dots in a darker shade of the point's colour.
        if (ellipseEvery > 0 && codes.LogVar != null)
            for (int n = 0; n < codes.Count; n += ellipseEvery)
            {
                double mx = codes.Mu[n * codes.Latent + dimX], my = codes.Mu[n * codes.Latent + dimY];
                double sx = Math.Exp(0.5 * codes.LogVar[n * codes.Latent + dimX]);
                double sy = Math.Exp(0.5 * codes.LogVar[n * codes.Latent + dimY]);
                var (r, g, b) = DigitColors[codes.Labels[n] % 10];
                var c = ((byte)(r * 2 / 3), (byte)(g * 2 / 3), (byte)(b * 2 / 3));
                for (int t = 0; t < 256; t++)
                {
                    double a = 2 * Math.PI * t / 256, vx = mx + sx * Math.Cos(a), vy = my + sy * Math.Sin(a);
                    if (vx >= x0 && vx <= x1 && vy >= y0 && vy <= y1) image.TrySet(Px(vx), Py(vy), c);
                }
            }

        // Frame, axis names, title, legend.
        for (int i = 0; i < plotSize; i++)
        {
            image.TrySet(left + i, top, Black); image.TrySet(left + i, top + plotSize - 1, Black);
            image.TrySet(left, top + i, Black); image.TrySet(left + plotSize - 1, top + i, Black);
        }
        string xName = $"z{dimX}", yName = $"z{dimY}";
        PixelFont.Draw(image, xName, left + plotSize / 2 - PixelFont.Width(xName, text) / 2, top + plotSize + 30, Black, text);
        PixelFont.Draw(image, yName, left - 8 - PixelFont.Width(yName, text), top - PixelFont.Height(text) - 4, Black, text);
        PixelFont.Draw(image, title, left, 8, Black, text);
        int lx = left + plotSize + 16;
        PixelFont.Draw(image, "digit", lx, top + 4, Black, text);
        for (int d = 0; d < 10; d++)
        {
            int ly = top + 30 + d * 26;
            for (int y = 0; y < 14; y++)
                for (int x = 0; x < 14; x++) image.TrySet(lx + x, ly + y, DigitColors[d]);
            PixelFont.Draw(image, d.ToString(System.Globalization.CultureInfo.InvariantCulture), lx + 24, ly, Black, text);
        }
        return image;
    }

    /// <summary>
    /// A 2-D model's decoder over an n×n grid: column c has z₀ = Φ⁻¹((c + ½)/n), row r has z₁ = Φ⁻¹(1 − (r + ½)/n)
    /// (z₁ grows upwards), so each cell holds an equal share of the prior's mass. Cells touch (no border):
    /// the picture is 28n × 28n pixels.
    /// </summary>
    public static GrayImage Manifold(VaeModel model, int n = 20)
    {
        if (model.Latent != 2) throw new ArgumentException($"the manifold needs a 2-D latent space, the model has {model.Latent}");
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        var z = new Tensor(n * n, 2, name: "z");
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                z[r * n + c, 0] = (float)NormalQuantile.Inverse((c + 0.5) / n);
                z[r * n + c, 1] = (float)NormalQuantile.Inverse(1 - (r + 0.5) / n);
            }
        var images = new float[n * n * model.Config.Input];
        model.DecodeImages(Tape.ForInference(), z, images);
        return GrayImage.Grid(images, n * n, n, n, GrayImage.SideOf(model.Config.Input), border: 0);
    }

    /// <summary>
    /// A 2-D model's decoder over an n×n grid spanning exactly [x0, x1] × [y0, y1] (cell centres, z₁ upwards), so it
    /// can be laid beside a scatter over the same range: where the scatter has holes, so does the training signal.
    /// </summary>
    public static GrayImage RangeGrid(VaeModel model, (double X0, double X1, double Y0, double Y1) range, int n = 20)
    {
        if (model.Latent != 2)
            throw new ArgumentException($"the grid needs a 2-D latent space, the model has {model.Latent}");
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        var z = new Tensor(n * n, 2, name: "z");
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                z[r * n + c, 0] = (float)(range.X0 + (c + 0.5) / n * (range.X1 - range.X0));
                z[r * n + c, 1] = (float)(range.Y1 - (r + 0.5) / n * (range.Y1 - range.Y0));
            }
        var images = new float[n * n * model.Config.Input];
        model.DecodeImages(Tape.ForInference(), z, images);
        return GrayImage.Grid(images, n * n, n, n, GrayImage.SideOf(model.Config.Input), border: 0);
    }

    /// <summary>The axes <see cref="Scatter"/> uses by default: each the central 99% of μ, widened by 5% each
    /// side.</summary>
    public static (double X0, double X1, double Y0, double Y1) Range(LatentCodes codes, int dimX, int dimY)
    {
        var (x0, x1) = AxisRange(codes, dimX);
        var (y0, y1) = AxisRange(codes, dimY);
        return (x0, x1, y0, y1);
    }

    /// <summary>[lo, hi] covering the central 99% of μ_dim, widened by 5% each side.</summary>
    private static (double Lo, double Hi) AxisRange(LatentCodes codes, int dim)
    {
        var v = new double[codes.Count];
        for (int n = 0; n < codes.Count; n++) v[n] = codes.Mu[n * codes.Latent + dim];
        Array.Sort(v);
        double lo = v.Length == 0 ? -1 : v[(int)(0.005 * (v.Length - 1))];
        double hi = v.Length == 0 ? 1 : v[(int)Math.Ceiling(0.995 * (v.Length - 1))];
        if (!(hi > lo)) { lo -= 1; hi += 1; }
        double pad = 0.05 * (hi - lo);
        return (lo - pad, hi + pad);
    }

    /// <summary>Multiples of a "nice" step (1, 2 or 5 × 10^k) inside [lo, hi], about six of them.</summary>
    public static IEnumerable<double> Ticks(double lo, double hi)
    {
        double raw = (hi - lo) / 6, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        for (double t = Math.Ceiling(lo / step) * step; t <= hi + 1e-9 * step; t += step)
            yield return Math.Abs(t) < 1e-9 * step ? 0 : t;
    }

    private static string Label(double t) => t.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
