using System.Globalization;
using System.Text;
using static Vae.Reporting.Html;

namespace Vae.Reporting;

/// <summary>One finished epoch's numbers, as in metrics.csv (nats per image).</summary>
public sealed record ReportEpoch(int Epoch, double TrainLoss, double TrainRecon, double TrainKl,
    double TestLoss, double TestRecon, double TestKl, int? ActiveUnits);

/// <summary>A picture for the page: a caption and the PNG's bytes (embedded as a data: URI).</summary>
public sealed record ReportPicture(string Caption, byte[] Png);

/// <summary>What a training report shows; plain numbers, text and PNG bytes.</summary>
public sealed record ReportContent
{
    public required string Title { get; init; }
    public string Subtitle { get; init; } = "";
    public IReadOnlyList<(string Key, string Value)> Configuration { get; init; } = [];
    public IReadOnlyList<ReportEpoch> Epochs { get; init; } = [];
    /// <summary>What the loss columns hold: the negative ELBO, or e.g. "−IWAE₅" for an importance-weighted
    /// run.</summary>
    public string LossName { get; init; } = ElboName;

    public const string ElboName = "negative ELBO";
    public IReadOnlyList<ReportPicture> Pictures { get; init; } = [];
    /// <summary>Mean KL per latent dimension for the newest epoch, and which dimensions are active.</summary>
    public IReadOnlyList<double> KlPerDim { get; init; } = [];
    public IReadOnlyList<bool>? Active { get; init; }
}

/// <summary>
/// A training run as one self-contained HTML page: configuration, loss curves (inline SVG), the newest pictures
/// (base64 PNG data: URIs) and KL per dimension. No scripts, fonts or style sheets from elsewhere; the markup is
/// also well-formed XML (XHTML syntax), so it can be checked with an XML parser.
/// </summary>
public static class ReportPage
{
    private const string TrainColor = "#1f77b4", TestColor = "#d62728";

    public static string Render(ReportContent c)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
          .Append($"<title>{Escape(c.Title)}</title>\n")
          .Append("<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}h1{margin-bottom:4px}" +
                  ".sub{color:#666;margin-top:0}table{border-collapse:collapse;font-size:13px}" +
                  "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}" +
                  "td.n{text-align:right;font-variant-numeric:tabular-nums}.charts{display:flex;flex-wrap:wrap;gap:12px}" +
                  "figure{display:inline-block;margin:0 24px 12px 0;vertical-align:top}img{image-rendering:pixelated;border:1px solid #ccc}" +
                  "figcaption{font-size:13px;color:#444}</style>\n</head>\n<body>\n")
          .Append($"<h1>{Escape(c.Title)}</h1>\n<p class=\"sub\">{Escape(c.Subtitle)}</p>\n");

        sb.Append("<h2>Configuration</h2>\n<table>\n");
        foreach (var (key, value) in c.Configuration)
            sb.Append($"<tr><th>{Escape(key)}</th><td>{Escape(value)}</td></tr>\n");
        sb.Append("</table>\n");

        sb.Append("<h2>Loss per epoch</h2>\n");
        bool longRun = c.Epochs.Count > LongRun;
        if (longRun)
            sb.Append($"<p>{Count(c.Epochs.Count)} epochs: the first three charts have a logarithmic epoch axis; " +
                      "the fourth is the second half of the run on a linear one, where the last nats are visible.</p>\n");
        sb.Append("<div class=\"charts\">\n");
        if (c.Epochs.Count > 0)
        {
            var x = c.Epochs.Select(e => (double)e.Epoch).ToArray();
            string Chart(string title, Func<ReportEpoch, double> train, Func<ReportEpoch, double> test) =>
                LossChart(title, x, c.Epochs.Select(train), c.Epochs.Select(test), logX: longRun);
            sb.Append(Chart($"loss ({c.LossName})", e => e.TrainLoss, e => e.TestLoss)).Append('\n')
              .Append(Chart("reconstruction", e => e.TrainRecon, e => e.TestRecon)).Append('\n')
              .Append(Chart("KL", e => e.TrainKl, e => e.TestKl)).Append('\n');
            if (longRun)
            {
                var half = c.Epochs.Skip(c.Epochs.Count / 2).ToList();
                sb.Append(LossChart($"loss ({c.LossName}), epochs {half[0].Epoch}–{half[^1].Epoch}",
                    half.Select(e => (double)e.Epoch).ToArray(), half.Select(e => e.TrainLoss),
                    half.Select(e => e.TestLoss), logX: false)).Append('\n');
            }
        }
        else sb.Append("<p>No finished epoch yet.</p>\n");
        sb.Append("</div>\n");
        MetricsTable(sb, c.Epochs);

        if (c.Pictures.Count > 0)
        {
            sb.Append("<h2>Newest pictures</h2>\n");
            foreach (var p in c.Pictures)
                sb.Append($"<figure><img src=\"{PngDataUri(p.Png)}\" alt=\"{Escape(p.Caption)}\"/>")
                  .Append($"<figcaption>{Escape(p.Caption)}</figcaption></figure>\n");
        }

        if (c.KlPerDim.Count > 0)
        {
            int? active = c.Active?.Count(a => a);
            sb.Append("<h2>KL per latent dimension</h2>\n")
              .Append("<p>Mean KL(q(z<sub>j</sub>|x) ‖ N(0,1)) over the test set, newest epoch." +
                      (active is int a ? $" Blue: the {a} active units (Var<sub>x</sub> μ<sub>j</sub>(x) &gt; 0.01); grey: inactive." : "") +
                      "</p>\n")
              .Append(SvgChart.Bars("KL per dimension", "latent dimension j", "KL (nats)", c.KlPerDim, c.Active)).Append('\n');
        }
        return sb.Append("</body>\n</html>\n").ToString();
    }

    private static string LossChart(string title, double[] x, IEnumerable<double> train, IEnumerable<double> test, bool logX) =>
        SvgChart.Lines(title, "epoch", "nats per image",
            [new ChartSeries("train", x, train.ToArray(), TrainColor), new ChartSeries("test", x, test.ToArray(), TestColor)],
            logX: logX);

    /// <summary>Above this many epochs the page switches to a long run's view: log-epoch charts, a second-half chart
    /// and a table of every n-th epoch.</summary>
    public const int LongRun = 100;

    /// <summary>The table's rows for a long run: about this many, evenly spaced, plus the newest epoch.</summary>
    public const int TableRows = 100;

    private static void MetricsTable(StringBuilder sb, IReadOnlyList<ReportEpoch> epochs)
    {
        if (epochs.Count == 0) return;
        int every = epochs.Count > LongRun ? (epochs.Count + TableRows - 1) / TableRows : 1;
        if (every > 1)
            sb.Append($"<p>Every {Ordinal(every)} epoch and the newest; metrics.csv holds all {Count(epochs.Count)}.</p>\n");
        sb.Append("<table>\n<tr><th>epoch</th><th>train loss</th><th>train recon</th><th>train KL</th>" +
                  "<th>test loss</th><th>test recon</th><th>test KL</th><th>active units</th></tr>\n");
        foreach (var e in epochs.Where((_, i) => i % every == 0 || i == epochs.Count - 1))
            sb.Append($"<tr><td class=\"n\">{e.Epoch}</td><td class=\"n\">{F(e.TrainLoss)}</td><td class=\"n\">{F(e.TrainRecon)}</td>" +
                      $"<td class=\"n\">{F(e.TrainKl)}</td><td class=\"n\">{F(e.TestLoss)}</td><td class=\"n\">{F(e.TestRecon)}</td>" +
                      $"<td class=\"n\">{F(e.TestKl)}</td><td class=\"n\">{(e.ActiveUnits is int a ? a.ToString() : "–")}</td></tr>\n");
        sb.Append("</table>\n");
    }

    private static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ordinal(int n) =>
        n + ((n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    private static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
}
