using System.Globalization;
using System.Text;
using Vae.IO;
using Vae.Lecture;
using Vae.Model;
using Vae.Reporting;

using Vae.Analysis;

namespace Vae.Cli.Runs;

/// <summary>
/// Writes a run's report.html after an epoch: the curves come from metrics.csv (so a resumed run shows its whole
/// history), the pictures are the newest PNG files up to the epoch, the KL bars the epoch's
/// <see cref="LatentActivityResult"/>.
/// </summary>
public static class RunReport
{
    public static void Write(RunFolder run, VaeModel model, IReadOnlyDictionary<string, string> trainOptions,
        int epoch, int epochsTarget, LatentActivityResult activity, string? lossName = null)
    {
        var config = new List<(string, string)> { ("architecture", model.Config.ToString()), ("parameters", model.Parameters.Count.ToString("N0", CultureInfo.InvariantCulture)) };
        foreach (var (k, v) in model.Config.ToMetadata().Where(kv => kv.Key != "format")) config.Add((k, v));
        foreach (var (k, v) in trainOptions.OrderBy(kv => kv.Key, StringComparer.Ordinal)) config.Add((k, v));
        config.Add(("epochs", epochsTarget.ToString(CultureInfo.InvariantCulture)));

        // The newest pictures up to this epoch: with --pictures-every they may be from an earlier one.
        var pictures = new List<ReportPicture>();
        if (run.NewestPictureEpoch("reconstruction", epoch) is int r)
            pictures.Add(new($"reconstruction_{r}.png{After(r, epoch)}: 8 test digits (top) and their " +
                "reconstructions from μ (bottom)", InputFile.ReadAllBytes(run.Reconstruction(r))));
        if (run.NewestPictureEpoch("sample", epoch) is int s)
            pictures.Add(new($"sample_{s}.png{After(s, epoch)}: 64 decodes of z ~ N(0, I)",
                InputFile.ReadAllBytes(run.Sample(s))));

        var content = new ReportContent
        {
            Title = "Vae training report",
            Subtitle = $"{Path.GetFullPath(run.Path)} — epoch {epoch} of {epochsTarget}, written {DateTime.Now:yyyy-MM-dd HH:mm:ss}",
            Configuration = config,
            Epochs = ReadMetrics(run.Metrics),
            LossName = lossName ?? ReportContent.ElboName,
            Pictures = pictures,
            KlPerDim = activity.Kl,
            Active = activity.MuVariance.Select(v => v > LatentActivity.ActiveVariance).ToArray(),
        };
        AtomicFile.WriteAllBytes(run.Report, Encoding.UTF8.GetBytes(ReportPage.Render(content)));
    }

    private static string After(int pictureEpoch, int epoch) =>
        pictureEpoch == epoch ? "" : $" (after epoch {pictureEpoch}, the newest drawn)";

    /// <summary>The rows of metrics.csv, by column name (rows that do not parse are skipped; active_units may be absent).</summary>
    public static List<ReportEpoch> ReadMetrics(string path)
    {
        var rows = new List<ReportEpoch>();
        if (!File.Exists(path)) return rows;
        var lines = InputFile.ReadAllLines(path);
        if (lines.Length == 0) return rows;
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        int epoch = Col("epoch"), active = Col("active_units");
        int[] numbers = new[] { "train_loss", "train_recon", "train_kl", "test_loss", "test_recon", "test_kl" }.Select(Col).ToArray();
        if (epoch < 0 || numbers.Any(c => c < 0)) return rows;
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            if (f.Length <= numbers.Max() || f.Length <= epoch || !int.TryParse(f[epoch], NumberStyles.Integer, CultureInfo.InvariantCulture, out int e)) continue;
            var v = numbers.Select(c => double.TryParse(f[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN).ToArray();
            int? units = active >= 0 && active < f.Length && int.TryParse(f[active], NumberStyles.Integer, CultureInfo.InvariantCulture, out int a) ? a : null;
            rows.Add(new ReportEpoch(e, v[0], v[1], v[2], v[3], v[4], v[5], units));
        }
        return rows;
    }
}
