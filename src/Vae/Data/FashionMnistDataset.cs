using System.Text;

namespace Vae.Data;

/// <summary>What <see cref="FashionMnist.Fetch"/> did for each file: "already present", or the source it came
/// from.</summary>
public sealed record FetchResult(string Dir, IReadOnlyList<(string File, string Outcome)> Files);

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017): 28×28 grayscale clothing items in ten classes, in the same four IDX files (same
/// names, same shapes) as MNIST, so <see cref="Mnist.Load"/> reads them. Fetched raw into a folder, each file checked
/// against the SHA-256 of its <em>uncompressed</em> bytes (the two sources gzip differently, the content is the same).
/// Sources in order: the public mirrors (gzipped files over HTTP), then Debian's package <c>dataset-fashion-mnist</c>
/// through <c>apt-get download</c> and <c>dpkg-deb -x</c> (no root needed: when the machine's package lists do not
/// know the package, a private copy of them is updated in a temporary folder).
/// </summary>
public static class FashionMnist
{
    public const string Name = "fashion-mnist";

    /// <summary>The ten classes, by label.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>SHA-256 of each raw (decompressed) file, as in Debian's dataset-fashion-mnist
    /// 0.0~git20200523.</summary>
    public static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        [Mnist.TrainImages] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        [Mnist.TrainLabels] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        [Mnist.TestImages] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        [Mnist.TestLabels] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    };

    public static readonly IReadOnlyList<string> Mirrors =
    [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ];

    public const string DebianPackage = "dataset-fashion-mnist";
    /// <summary>Where the package keeps the four gzipped files.</summary>
    public const string DebianFolder = "usr/share/datasets/fashion-mnist";

    private static readonly TimeSpan AptTimeout = TimeSpan.FromMinutes(5);

    /// <summary><c>data/fashion-mnist</c> under the current folder.</summary>
    public static string DefaultDataDir() => Datasets.DefaultDir(Name);

    /// <summary>Fetches the files only when they are not all in <paramref name="dir"/> already (raw or
    /// gzipped).</summary>
    public static void EnsurePresent(string dir, Action<string>? log = null)
    {
        if (Mnist.FilesPresent(dir)) return;
        log?.Invoke($"Fashion-MNIST not found in {dir}; fetching it");
        Fetch(dir, log);
    }

    /// <summary>
    /// Makes sure each file is in <paramref name="dir"/> with the right hash: keeps those that are, fetches the missing
    /// ones. A present file with another content is an <see cref="InvalidInputFileException"/> (nothing is fetched or
    /// replaced). Throws <see cref="DatasetFetchException"/> when some file could not be got from any source.
    /// </summary>
    public static FetchResult Fetch(string dir, Action<string>? log = null) =>
        Fetch(dir, log, Mirrors, tryDebian: true);

    internal static FetchResult Fetch(string dir, Action<string>? log, IReadOnlyList<string> mirrors, bool tryDebian)
    {
        Directory.CreateDirectory(dir);
        var names = Mnist.FileNames;
        var outcomes = new Dictionary<string, string>();
        foreach (string name in names)
        {
            if (Mnist.Find(dir, name) is not { } path) continue;
            // A file under a Fashion-MNIST name that is not Fashion-MNIST's is never replaced: one line, exit 2.
            string? hash = MnistFetcher.ContentHash(path, out string why);
            if (hash != Sha256[name])
                throw new InvalidInputFileException(path, "is not a Fashion-MNIST file (" +
                    (hash == null ? why : $"sha256 {hash[..12]}…, not {Sha256[name][..12]}…") +
                    "); vae fetches only missing files and never replaces one: use another --data folder or remove it");
            outcomes[name] = "already present";
            log?.Invoke($"{Path.GetFileName(path)}: already present, hash ok");
        }
        var failures = new List<string>();
        foreach (string mirror in mirrors)
        {
            if (outcomes.Count == names.Count) break;
            string? why = MnistFetcher.TryMirror(mirror, dir, names, Sha256, outcomes, log);
            if (why == null) continue;
            failures.Add($"{mirror}: {why}");
            log?.Invoke($"{mirror}: failed ({why})");
        }
        if (tryDebian && outcomes.Count < names.Count)
        {
            string? why = TryDebian(dir, outcomes, log);
            if (why != null)
            {
                failures.Add($"Debian package {DebianPackage}: {why}");
                log?.Invoke($"Debian package {DebianPackage}: failed ({why})");
            }
        }
        if (outcomes.Count < names.Count)
            throw new DatasetFetchException(FailureMessage(dir, outcomes, failures));
        return new FetchResult(dir, names.Select(n => (n, outcomes[n])).ToList());
    }

    private static string FailureMessage(string dir, Dictionary<string, string> outcomes, List<string> failures)
    {
        var missing = Mnist.FileNames.Where(n => !outcomes.ContainsKey(n)).ToList();
        var sb = new StringBuilder();
        sb.Append($"could not get Fashion-MNIST file(s) {string.Join(", ", missing)} into {Path.GetFullPath(dir)}.")
          .Append(" Tried:");
        foreach (string f in failures) sb.Append("\n  - ").Append(f);
        sb.Append("\nTo place the files by hand (e.g. from 'apt-get download ").Append(DebianPackage)
          .Append("' and 'dpkg-deb -x', under ").Append(DebianFolder)
          .Append("), put these four files (raw, or gzipped with a .gz suffix) in ")
          .Append(Path.GetFullPath(dir)).Append(':');
        foreach (string n in Mnist.FileNames)
            sb.Append("\n    ").Append(n).Append("  sha256 of the raw file ").Append(Sha256[n]);
        return sb.ToString();
    }

    // ---- source 2: Debian's dataset-fashion-mnist, downloaded by apt-get and unpacked by dpkg-deb ----

    private static string? TryDebian(string dir, Dictionary<string, string> outcomes, Action<string>? log)
    {
        string? apt = MnistFetcher.FindOnPath(["apt-get"]);
        string? dpkgDeb = MnistFetcher.FindOnPath(["dpkg-deb"]);
        if (apt == null || dpkgDeb == null) return "no apt-get and dpkg-deb on PATH (not a Debian or Ubuntu machine)";
        string work = Path.Combine(Path.GetTempPath(), "vae-fashion-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            log?.Invoke($"running apt-get download {DebianPackage} (about 30 MB) in {work}");
            string? failed = MnistFetcher.RunTool(apt, ["download", DebianPackage], work, AptTimeout, out _);
            if (failed != null)
            {
                // The machine's package lists may be missing or stale: update a private copy and download through it.
                log?.Invoke($"apt-get download failed ({failed}); updating a private copy of the package lists");
                string[] own =
                [
                    "-o", $"Dir::State::Lists={Path.Combine(work, "lists")}",
                    "-o", $"Dir::Cache={Path.Combine(work, "cache")}",
                    "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root",
                ];
                Directory.CreateDirectory(Path.Combine(work, "lists", "partial"));
                Directory.CreateDirectory(Path.Combine(work, "cache", "archives", "partial"));
                string? update = MnistFetcher.RunTool(apt, [.. own, "update"], work, AptTimeout, out _);
                if (update != null) return $"apt-get download: {failed}; apt-get update of a private list: {update}";
                failed = MnistFetcher.RunTool(apt, [.. own, "download", DebianPackage], work, AptTimeout, out _);
                if (failed != null) return $"apt-get download: {failed}";
            }
            string? deb = Directory.GetFiles(work, "*.deb").FirstOrDefault();
            if (deb == null) return "apt-get download produced no .deb";
            string tree = Path.Combine(work, "x");
            failed = MnistFetcher.RunTool(dpkgDeb, ["-x", deb, tree], work, AptTimeout, out _);
            if (failed != null) return $"dpkg-deb -x: {failed}";
            var wanted = Mnist.FileNames.Where(n => !outcomes.ContainsKey(n)).ToList();
            var (stored, problems) = ExtractDebianTree(tree, dir, wanted, Sha256, log);
            foreach (string n in stored) outcomes[n] = $"Debian package {DebianPackage} ({Path.GetFileName(deb)})";
            return problems.Count == 0 ? null : string.Join("; ", problems);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Stores each wanted file found gzipped as <c>DebianFolder/&lt;name&gt;.gz</c> under the unpacked package
    /// <paramref name="root"/> into <paramref name="dir"/>, raw, if its SHA-256 matches. Returns the names stored and
    /// one line per problem.
    /// </summary>
    internal static (List<string> Stored, List<string> Problems) ExtractDebianTree(string root, string dir,
        IReadOnlyCollection<string> wanted, IReadOnlyDictionary<string, string> sha256, Action<string>? log)
    {
        var stored = new List<string>();
        var problems = new List<string>();
        foreach (string name in wanted)
        {
            string gz = Path.Combine(root, DebianFolder, name + ".gz");
            if (!File.Exists(gz)) { problems.Add($"{name}: not in the package"); continue; }
            byte[] raw;
            try { raw = MnistFetcher.Gunzip(File.ReadAllBytes(gz)); }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                problems.Add($"{name}.gz: not valid gzip ({e.Message})");
                continue;
            }
            string? bad = MnistFetcher.StoreVerified(dir, name, raw, sha256);
            if (bad != null) { problems.Add(bad); continue; }
            stored.Add(name);
            log?.Invoke($"{name}: stored, sha256 ok");
        }
        return (stored, problems);
    }

    /// <summary>Loads the train and test sets from <paramref name="dir"/> (the IDX reading of <see
    /// cref="Mnist"/>).</summary>
    public static (ImageSet Train, ImageSet Test) Load(string dir)
    {
        if (File.Exists(dir))
            throw new InvalidInputFileException(dir, "is a file; expected the folder holding the Fashion-MNIST files");
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException(
                $"{dir}: Fashion-MNIST folder not found (run 'vae fetch --dataset {Name}')");
        foreach (string name in Mnist.FileNames)
            if (Mnist.Find(dir, name) == null)
                throw new FileNotFoundException(
                    $"{Path.Combine(dir, name)}: Fashion-MNIST file not found (nor {name}.gz); " +
                    $"run 'vae fetch --dataset {Name}'", name);
        return Mnist.Load(dir);
    }
}

/// <summary>Fashion-MNIST (Xiao et al. 2017): 60,000 + 10,000 clothing items, 28×28 grey levels, ten classes.</summary>
public sealed class FashionMnistDataset : IDataset
{
    public string Name => FashionMnist.Name;
    public string Description => "Fashion-MNIST clothing items, 28×28, 60,000 training and 10,000 test images";
    public int Width => Mnist.Side;
    public int Height => Mnist.Side;
    public int Channels => 1;
    public IReadOnlyList<string> LabelNames => FashionMnist.ClassNames;
    public IReadOnlyList<string> FactorNames => [];
    public string DefaultDir => FashionMnist.DefaultDataDir();
    public bool IsPresent(string dir) => Mnist.FilesPresent(dir);
    public void Fetch(string dir, Action<string>? log) => FashionMnist.EnsurePresent(dir, log);
    public (ImageSet Train, ImageSet Test) Load(string dir) => FashionMnist.Load(dir);
}
