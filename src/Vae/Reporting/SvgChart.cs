using System.Text;
using static Vae.Reporting.Html;

namespace Vae.Reporting;

/// <summary>One series of a grouped bar chart: a value (and an error-bar half-length) per group, a legend name, a
/// colour.</summary>
public sealed record BarSeries(string Name, IReadOnlyList<double> Values, IReadOnlyList<double>? Errors, string Color);

/// <summary>One line of a chart: (x, y) points, a legend name and a CSS colour.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color);

/// <summary>
/// Inline SVG charts from plain numbers: a line chart (axes, ticks at 1-2-5 steps, grid, labels, legend) and a bar
/// chart. Self-contained markup, no scripts or external styles.
/// </summary>
public static class SvgChart
{
    private const int Left = 60, Right = 14, Top = 44, Bottom = 46;

    /// <summary>Lines drawn through many points without markers; up to this many, every point also gets a marker
    /// (so a single point shows).</summary>
    public const int MarkedPoints = 60;

    /// <summary>
    /// Lines, with markers when a series has at most <see cref="MarkedPoints"/> points. Integer x ticks when
    /// <paramref name="integerX"/>; a logarithmic x axis when <paramref name="logX"/> (x must then be positive):
    /// a run of 3,280 epochs whose loss falls fastest in the first ten shows both ends. Points closer than half a
    /// pixel along x are drawn as one, so a long run's page stays small.
    /// </summary>
    public static string Lines(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series,
        int width = 350, int height = 270, bool integerX = true, bool logX = false)
    {
        bool Drawable(double x, double y) => double.IsFinite(x) && double.IsFinite(y) && (!logX || x > 0);
        var xs = series.SelectMany(s => s.X).Where(x => Drawable(x, 0)).DefaultIfEmpty(1).ToArray();
        var ys = series.SelectMany(s => s.Y).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var (x0, x1, xTicks) = logX ? LogAxis(xs.Min(), xs.Max()) : Axis(xs.Min(), xs.Max(), integerX);
        var (y0, y1, yTicks) = Axis(ys.Min(), ys.Max(), integer: false);
        double pw = width - Left - Right, ph = height - Top - Bottom;
        double Px(double x) => logX
            ? Left + (Math.Log(x) - Math.Log(x0)) / (Math.Log(x1) - Math.Log(x0)) * pw
            : Left + (x - x0) / (x1 - x0) * pw;
        double Py(double y) => Top + ph - (y - y0) / (y1 - y0) * ph;

        var sb = Open(width, height, title);
        Frame(sb, width, height, xLabel, yLabel,
            xTicks.Select(t => (Px(t), G(t))), yTicks.Select(t => (Py(t), G(t))));
        foreach (var s in series)
        {
            var points = Enumerable.Range(0, Math.Min(s.X.Count, s.Y.Count))
                .Where(i => Drawable(s.X[i], s.Y[i]))
                .Select(i => (Px(s.X[i]), Py(s.Y[i]))).ToArray();
            var line = Thin(points);
            double strokeWidth = points.Length > MarkedPoints ? 1.5 : 2;
            if (line.Count > 1)
                sb.Append($"<polyline fill=\"none\" stroke=\"{Escape(s.Color)}\" ")
                  .Append($"stroke-width=\"{N(strokeWidth)}\" points=\"")
                  .AppendJoin(' ', line.Select(p => $"{N(p.Item1)},{N(p.Item2)}")).Append("\"/>");
            if (points.Length <= MarkedPoints)
                foreach (var (px, py) in points)
                    sb.Append($"<circle cx=\"{N(px)}\" cy=\"{N(py)}\" r=\"3\" fill=\"{Escape(s.Color)}\"/>");
        }
        // Legend: one row under the title, above the plot (so it never hides a line), right-aligned.
        for (int i = 0; i < series.Count; i++)
        {
            double ly = Top - 12, lx = width - Right - 70 * (series.Count - i);
            sb.Append($"<line x1=\"{N(lx)}\" y1=\"{N(ly)}\" x2=\"{N(lx + 18)}\" y2=\"{N(ly)}\" stroke=\"{Escape(series[i].Color)}\" stroke-width=\"2\"/>")
              .Append($"<text x=\"{N(lx + 24)}\" y=\"{N(ly + 4)}\" font-size=\"11\">{Escape(series[i].Name)}</text>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>
    /// One bar per value, labelled by index (every k-th label when there are many); bars with
    /// <paramref name="highlight"/>[i] true are drawn in <paramref name="color"/>, the others in <paramref name="dimColor"/>.
    /// </summary>
    public static string Bars(string title, string xLabel, string yLabel, IReadOnlyList<double> values,
        IReadOnlyList<bool>? highlight = null, string color = "#1f77b4", string dimColor = "#b0b7c0", int height = 260)
    {
        int n = values.Count;
        int width = Math.Clamp(Left + Right + 22 * n, 360, 1100);
        double max = values.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        var (_, y1, yTicks) = Axis(0, Math.Max(max, 1e-9), integer: false);
        double pw = width - Left - Right, ph = height - Top - Bottom;
        double slot = n == 0 ? pw : pw / n;
        double Py(double y) => Top + ph - y / y1 * ph;
        int every = Math.Max(1, (int)Math.Ceiling(n / (pw / 22)));

        var sb = Open(width, height, title);
        var xTicks = Enumerable.Range(0, n).Where(i => i % every == 0).Select(i => (Left + (i + 0.5) * slot, i.ToString()));
        Frame(sb, width, height, xLabel, yLabel, xTicks, yTicks.Select(t => (Py(t), G(t))));
        for (int i = 0; i < n; i++)
        {
            double v = double.IsFinite(values[i]) ? Math.Max(0, values[i]) : 0;
            string fill = highlight == null || highlight[i] ? color : dimColor;
            sb.Append($"<rect x=\"{N(Left + i * slot + slot * 0.15)}\" y=\"{N(Py(v))}\" width=\"{N(slot * 0.7)}\" " +
                      $"height=\"{N(Top + ph - Py(v))}\" fill=\"{Escape(fill)}\"><title>{i}: {G(values[i])}</title></rect>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>
    /// Bars grouped by category: in each group one bar per series, side by side, with ± error bars when given;
    /// group labels under the axis (slanted), the legend above the plot. The y axis spans [yMin, yMax].
    /// </summary>
    public static string GroupedBars(string title, string yLabel, IReadOnlyList<string> groups,
        IReadOnlyList<BarSeries> series, double yMin, double yMax, int height = 340)
    {
        int n = groups.Count, k = series.Count;
        int width = Math.Clamp(Left + Right + (14 * k + 24) * n, 420, 1400);
        // Room under the axis for the slanted group labels.
        int bottom = Bottom + 6 * Math.Min(24, groups.DefaultIfEmpty("").Max(g => g.Length));
        var (y0, y1, yTicks) = Axis(yMin, yMax, integer: false);
        double pw = width - Left - Right, ph = height - Top - bottom;
        double slot = n == 0 ? pw : pw / n, bar = slot * 0.8 / Math.Max(k, 1);
        double Py(double y) => Top + ph - (Math.Clamp(y, y0, y1) - y0) / (y1 - y0) * ph;

        var sb = Open(width, height, title);
        foreach (double t in yTicks)
            sb.Append($"<line x1=\"{Left}\" y1=\"{N(Py(t))}\" x2=\"{width - Right}\" y2=\"{N(Py(t))}\" ")
              .Append("stroke=\"#e3e3e3\"/>")
              .Append($"<text x=\"{Left - 7}\" y=\"{N(Py(t) + 4)}\" text-anchor=\"end\" font-size=\"11\">")
              .Append($"{G(t)}</text>");
        for (int g = 0; g < n; g++)
        {
            for (int s = 0; s < k; s++)
            {
                double v = series[s].Values[g];
                if (!double.IsFinite(v)) continue;
                double x = Left + g * slot + slot * 0.1 + s * bar;
                sb.Append($"<rect x=\"{N(x)}\" y=\"{N(Py(v))}\" width=\"{N(bar * 0.92)}\" ")
                  .Append($"height=\"{N(Py(y0) - Py(v))}\" fill=\"{Escape(series[s].Color)}\">")
                  .Append($"<title>{Escape(groups[g])}, {Escape(series[s].Name)}: {G(v)}</title></rect>");
                if (series[s].Errors is { } e && double.IsFinite(e[g]) && e[g] > 0)
                {
                    double cx = x + bar * 0.46;
                    sb.Append($"<line x1=\"{N(cx)}\" y1=\"{N(Py(v - e[g]))}\" x2=\"{N(cx)}\" ")
                      .Append($"y2=\"{N(Py(v + e[g]))}\" stroke=\"#222\"/>");
                }
            }
            double lx = Left + (g + 0.5) * slot, ly = height - bottom + 14;
            sb.Append($"<text transform=\"translate({N(lx)} {N(ly)}) rotate(-30)\" text-anchor=\"end\" ")
              .Append($"font-size=\"11\">{Escape(groups[g])}</text>");
        }
        sb.Append($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{N(Py(y0))}\" stroke=\"#333\"/>")
          .Append($"<line x1=\"{Left}\" y1=\"{N(Py(y0))}\" x2=\"{width - Right}\" y2=\"{N(Py(y0))}\" stroke=\"#333\"/>")
          .Append($"<text transform=\"translate(14 {N(Top + ph / 2)}) rotate(-90)\" text-anchor=\"middle\" ")
          .Append($"font-size=\"12\">{Escape(yLabel)}</text>");
        for (int s = 0; s < k; s++)
        {
            double lx = Left + 10 + 190 * s, ly = Top - 14;
            sb.Append($"<rect x=\"{N(lx)}\" y=\"{N(ly - 8)}\" width=\"12\" height=\"10\" ")
              .Append($"fill=\"{Escape(series[s].Color)}\"/>")
              .Append($"<text x=\"{N(lx + 16)}\" y=\"{N(ly + 1)}\" font-size=\"11\">{Escape(series[s].Name)}</text>");
        }
        return sb.Append("</svg>").ToString();
    }

    private static StringBuilder Open(int width, int height, string title) =>
        new StringBuilder()
            .Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" ")
            .Append("font-family=\"sans-serif\" role=\"img\">")
            .Append($"<title>{Escape(title)}</title>")
            .Append($"<text x=\"{N(width / 2.0)}\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{Escape(title)}</text>");

    /// <summary>Grid lines, both axes with their ticks and tick labels, and the axis labels.</summary>
    private static void Frame(StringBuilder sb, int width, int height, string xLabel, string yLabel,
        IEnumerable<(double Px, string Label)> xTicks, IEnumerable<(double Py, string Label)> yTicks)
    {
        double bottom = height - Bottom, right = width - Right;
        foreach (var (py, label) in yTicks)
            sb.Append($"<line x1=\"{Left}\" y1=\"{N(py)}\" x2=\"{N(right)}\" y2=\"{N(py)}\" stroke=\"#e3e3e3\"/>")
              .Append($"<line x1=\"{Left - 4}\" y1=\"{N(py)}\" x2=\"{Left}\" y2=\"{N(py)}\" stroke=\"#333\"/>")
              .Append($"<text x=\"{Left - 7}\" y=\"{N(py + 4)}\" text-anchor=\"end\" font-size=\"11\">{Escape(label)}</text>");
        foreach (var (px, label) in xTicks)
            sb.Append($"<line x1=\"{N(px)}\" y1=\"{N(bottom)}\" x2=\"{N(px)}\" y2=\"{N(bottom + 4)}\" stroke=\"#333\"/>")
              .Append($"<text x=\"{N(px)}\" y=\"{N(bottom + 16)}\" text-anchor=\"middle\" font-size=\"11\">{Escape(label)}</text>");
        sb.Append($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{N(bottom)}\" stroke=\"#333\"/>")
          .Append($"<line x1=\"{Left}\" y1=\"{N(bottom)}\" x2=\"{N(right)}\" y2=\"{N(bottom)}\" stroke=\"#333\"/>")
          .Append($"<text x=\"{N((Left + right) / 2)}\" y=\"{N(height - 8.0)}\" text-anchor=\"middle\" font-size=\"12\">{Escape(xLabel)}</text>")
          .Append($"<text transform=\"translate(14 {N((Top + bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">{Escape(yLabel)}</text>");
    }

    /// <summary>
    /// The points to draw as a line: a point closer than half a pixel along x to the last one kept is dropped (the
    /// last point is always kept), so a line never has more vertices than twice the chart's width.
    /// </summary>
    private static List<(double, double)> Thin((double X, double Y)[] points)
    {
        var kept = new List<(double, double)>(Math.Min(points.Length, 1024));
        for (int i = 0; i < points.Length; i++)
            if (kept.Count == 0 || i == points.Length - 1 || points[i].X - kept[^1].Item1 >= 0.5)
                kept.Add(points[i]);
        return kept;
    }

    /// <summary>
    /// A logarithmic axis over [lo, hi] (lo &gt; 0), not widened: ticks at 1 and 3 × 10^k inside it while it spans at
    /// most four decades, at 10^k only when wider.
    /// </summary>
    public static (double Lo, double Hi, double[] Ticks) LogAxis(double lo, double hi)
    {
        if (!(lo > 0))
            throw new ArgumentOutOfRangeException(nameof(lo), lo, "a logarithmic axis needs positive values");
        if (!(hi > lo)) { lo /= 2; hi *= 2; }
        bool threes = Math.Log10(hi / lo) <= 4;
        var ticks = new List<double>();
        for (int k = (int)Math.Floor(Math.Log10(lo)); k <= (int)Math.Ceiling(Math.Log10(hi)); k++)
            foreach (double m in threes ? new[] { 1.0, 3.0 } : [1.0])
            {
                double t = m * Math.Pow(10, k);
                if (t >= lo * (1 - 1e-12) && t <= hi * (1 + 1e-12)) ticks.Add(t);
            }
        return (lo, hi, ticks.ToArray());
    }

    /// <summary>
    /// An axis over [lo, hi]: the step is 1, 2 or 5 × 10^k giving about five ticks, and the range is widened to whole
    /// steps. A flat range is widened around its value; integer axes never step below 1.
    /// </summary>
    public static (double Lo, double Hi, double[] Ticks) Axis(double lo, double hi, bool integer)
    {
        if (!(hi > lo))
        {
            double pad = integer ? 1 : Math.Max(Math.Abs(lo) * 0.1, 1e-6);
            lo -= pad; hi += pad;
        }
        double raw = (hi - lo) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = (raw / magnitude) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 } * magnitude;
        if (integer) step = Math.Max(1, Math.Round(step));
        double first = Math.Round(Math.Floor(lo / step) * step, 10), last = Math.Round(Math.Ceiling(hi / step) * step, 10);
        int count = (int)Math.Round((last - first) / step) + 1;
        var ticks = Enumerable.Range(0, count).Select(i => Math.Round(first + i * step, 10)).ToArray();
        return (first, last, ticks);
    }
}
