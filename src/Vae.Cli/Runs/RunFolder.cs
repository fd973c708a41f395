using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vae.Imaging;
using Vae.IO;
using Vae.Training;

using Vae.Analysis;

namespace Vae.Cli.Runs;

/// <summary>
/// The files of one training run in its --out folder:
///   metrics.csv            one row per finished epoch, appended and flushed as soon as the epoch ends
///   reconstruction_E.png   8 test digits over their reconstructions after epoch E (the epochs of --pictures-every)
///   sample_E.png           64 decodes of z ~ N(0, I) (the same z every epoch) after epoch E (likewise)
///   kl_per_dim.csv         one row per finished epoch: mean KL of each latent dimension over the test set
///   report.html            the run on one self-contained page (configuration, curves, pictures), rewritten each epoch
///   model.safetensors      the weights after the newest epoch (loads in PyTorch)
///   resume.safetensors     weights + Adam state + training position, for 'vae train --resume'
///   run.lock               held (flock) by the 'vae train' writing the folder; holds its PID
/// Every file is written through <see cref="AtomicFile"/>: to a temporary file, then renamed, so a crash leaves the
/// old one or the new one whole; only regular files are ever replaced.
/// </summary>
public sealed partial class RunFolder(string path) : IDisposable
{
    private RunLock? _lock;

    public const string MetricsHeader = "epoch,train_loss,train_recon,train_kl,test_loss,test_recon,test_kl,images_per_sec,seconds,active_units";

    public string Path { get; } = path;
    public string Metrics => Combine("metrics.csv");
    public string Model => Combine("model.safetensors");
    public string Resume => Combine("resume.safetensors");
    public string Reconstruction(int epoch) => Combine($"reconstruction_{epoch}.png");
    public string Sample(int epoch) => Combine($"sample_{epoch}.png");
    public string KlPerDim => Combine("kl_per_dim.csv");
    public string Report => Combine("report.html");
    public string LockFile => Combine("run.lock");

    [GeneratedRegex(@"^(metrics\.csv|kl_per_dim\.csv|report\.html|model\.safetensors|resume\.safetensors" +
        @"|(reconstruction|sample)_\d+\.png)$")]
    private static partial Regex RunEntry();

    /// <summary>The files of a run already in the folder (whatever they are), by name; run.lock is not one.</summary>
    public IReadOnlyList<string> ExistingEntries()
    {
        if (FileEntry.Of(Path, followLinks: true).Kind != FileKind.Directory) return [];
        return Directory.EnumerateFileSystemEntries(Path).Select(System.IO.Path.GetFileName)
            .Where(n => n != null && RunEntry().IsMatch(n)).Select(n => n!).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Takes the folder's lock for this process (see <see cref="RunLock"/>).</summary>
    public RunLock AcquireLock() => RunLock.Acquire(LockFile, Path);

    /// <summary>Holds the folder's lock until <see cref="Dispose"/> (a second call does nothing).</summary>
    public void Lock() => _lock ??= AcquireLock();

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>
    /// Before training: refuses any run file that is not a regular file (a folder, device, FIFO or link where
    /// metrics.csv or a picture goes), so the run cannot fail over it after an epoch of work.
    /// </summary>
    public void CheckEntries()
    {
        foreach (string name in ExistingEntries()) AtomicFile.CheckTarget(Combine(name));
    }

    /// <summary>
    /// A new run may not silently replace an earlier one: when the folder holds a run's files they are refused, or
    /// with <paramref name="overwrite"/> deleted (only those files: anything else in the folder stays).
    /// </summary>
    public void ClaimForNewRun(bool overwrite)
    {
        var existing = ExistingEntries();
        if (existing.Count == 0) return;
        if (!overwrite)
            throw new UsageException($"{Path} already holds a run ({string.Join(", ", existing.Take(3))}" +
                $"{(existing.Count > 3 ? ", …" : "")}): continue it with --resume, replace it with --overwrite, " +
                "or choose another --out");
        foreach (string name in existing) File.Delete(Combine(name));
    }

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
        var lines = InputFile.ReadAllLines(file);
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

    private static void AppendLine(string file, string line) => AtomicFile.Append(file, line + "\n");

    /// <summary>Losses with 9 significant digits: enough to compare runs bit for bit at float32.</summary>
    public static string F(double v) => v.ToString("G9", CultureInfo.InvariantCulture);

    public void WritePicture(string file, GrayImage image) => Png.Write(file, image);

    /// <summary>
    /// The newest epoch E ≤ <paramref name="atMost"/> with a file <paramref name="prefix"/>_E.png, or null: pictures
    /// are drawn only at the epochs --pictures-every picks, and a resumed run may find later ones a crash left behind.
    /// </summary>
    public int? NewestPictureEpoch(string prefix, int atMost)
    {
        int? newest = null;
        if (!Directory.Exists(Path)) return null;
        foreach (string file in Directory.EnumerateFiles(Path, prefix + "_*.png"))
        {
            string name = System.IO.Path.GetFileNameWithoutExtension(file)[(prefix.Length + 1)..];
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int e) && e <= atMost
                && e > (newest ?? 0))
                newest = e;
        }
        return newest;
    }
}
