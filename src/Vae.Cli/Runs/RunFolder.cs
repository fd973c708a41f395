using System.Globalization;
using System.Text;
using Vae.Imaging;
using Vae.IO;
using Vae.Training;

using Vae.Analysis;

namespace Vae.Cli.Runs;

/// <summary>
/// The files of one training run in its --out folder:
///   metrics.csv            one row per finished epoch, appended and flushed as soon as the epoch ends
///   reconstruction_E.png   8 test digits over their reconstructions after epoch E
///   sample_E.png           64 decodes of z ~ N(0, I) (the same z every epoch) after epoch E
///   kl_per_dim.csv         one row per finished epoch: mean KL of each latent dimension over the test set
///   report.html            the run on one self-contained page (configuration, curves, pictures), rewritten each epoch
///   model.safetensors      the weights after the newest epoch (loads in PyTorch)
///   resume.safetensors     weights + Adam state + training position, for 'vae train --resume'
/// Checkpoints are written to a temporary file and renamed, so a crash leaves the old one or the new one whole.
/// </summary>
public sealed class RunFolder(string path)
{
    public const string MetricsHeader = "epoch,train_loss,train_recon,train_kl,test_loss,test_recon,test_kl,images_per_sec,seconds,active_units";

    public string Path { get; } = path;
    public string Metrics => Combine("metrics.csv");
    public string Model => Combine("model.safetensors");
    public string Resume => Combine("resume.safetensors");
    public string Reconstruction(int epoch) => Combine($"reconstruction_{epoch}.png");
    public string Sample(int epoch) => Combine($"sample_{epoch}.png");
    public string KlPerDim => Combine("kl_per_dim.csv");
    public string Report => Combine("report.html");

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Starts metrics.csv afresh (a new run).</summary>
    public void StartMetrics() => AtomicFile.WriteAllBytes(Metrics, Encoding.UTF8.GetBytes(MetricsHeader + "\n"));

    /// <summary>Starts kl_per_dim.csv afresh: header <c>epoch,kl_0,…,kl_{J−1}</c>.</summary>
    public void StartKlPerDim(int latent) => AtomicFile.WriteAllBytes(KlPerDim, Encoding.UTF8.GetBytes(KlPerDimHeader(latent) + "\n"));

    public static string KlPerDimHeader(int latent) => "epoch," + string.Join(',', Enumerable.Range(0, latent).Select(j => $"kl_{j}"));

    /// <summary>
    /// For a resumed run: keeps the header and the rows of epochs ≤ <paramref name="epochsDone"/> in metrics.csv and
    /// kl_per_dim.csv, dropping any row written after the checkpoint (a crash between the two writes), so no epoch
    /// appears twice.
    /// </summary>
    public void TrimMetrics(int epochsDone)
    {
        if (!File.Exists(Metrics)) StartMetrics();
        else TrimCsv(Metrics, MetricsHeader, epochsDone);
        if (File.Exists(KlPerDim)) TrimCsv(KlPerDim, null, epochsDone);
    }

    /// <summary>Rewrites a per-epoch CSV with <paramref name="header"/> (null: its own) and the rows of epochs ≤ epochsDone.</summary>
    private static void TrimCsv(string file, string? header, int epochsDone)
    {
        var lines = File.ReadAllLines(file);
        var kept = new StringBuilder(header ?? lines.FirstOrDefault() ?? "").Append('\n');
        foreach (var line in lines.Skip(1))
        {
            int comma = line.IndexOf(',');
            if (comma > 0 && int.TryParse(line.AsSpan(0, comma), NumberStyles.Integer, CultureInfo.InvariantCulture, out int e) && e <= epochsDone)
                kept.Append(line).Append('\n');
        }
        AtomicFile.WriteAllBytes(file, Encoding.UTF8.GetBytes(kept.ToString()));
    }

    /// <summary>Appends one epoch's row and flushes it to disk.</summary>
    public void AppendMetrics(EpochResult train, Evaluation test, double seconds, int activeUnits)
    {
        string row = string.Join(',',
            train.Epoch.ToString(CultureInfo.InvariantCulture),
            F(train.Train.MeanLoss), F(train.Train.MeanReconstruction), F(train.Train.MeanKl),
            F(test.Loss), F(test.Reconstruction), F(test.Kl),
            train.ImagesPerSecond.ToString("F0", CultureInfo.InvariantCulture),
            seconds.ToString("F2", CultureInfo.InvariantCulture),
            activeUnits.ToString(CultureInfo.InvariantCulture));
        AppendLine(Metrics, row);
    }

    /// <summary>Appends one epoch's mean KL per latent dimension and flushes it to disk.</summary>
    public void AppendKlPerDim(int epoch, IReadOnlyList<double> kl) =>
        AppendLine(KlPerDim, epoch.ToString(CultureInfo.InvariantCulture) + "," + string.Join(',', kl.Select(F)));

    private static void AppendLine(string file, string line)
    {
        using var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Losses with 9 significant digits: enough to compare runs bit for bit at float32.</summary>
    public static string F(double v) => v.ToString("G9", CultureInfo.InvariantCulture);

    public void WritePicture(string file, GrayImage image) => Png.Write(file, image);
}
