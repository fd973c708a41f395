using System.IO.Compression;
using System.Security.Cryptography;
using Vae.Data;

namespace Vae.Tests.Data;

/// <summary>Fashion-MNIST: the dataset entry, its committed slice, and the Debian-package path of its fetcher (no
/// network).</summary>
public class FashionMnistTests
{
    [Test]
    public void IsRegisteredUnderItsNameAndLoadsTheSlice()
    {
        var dataset = Datasets.Get("fashion-mnist");
        Assert.That(dataset.LabelNames, Has.Count.EqualTo(10));
        Assert.That(dataset.LabelNames[9], Is.EqualTo("Ankle boot"));
        var (train, test) = dataset.Load(TestPaths.FashionSlice);
        Assert.That(train.Count, Is.EqualTo(300));
        Assert.That(test.Count, Is.EqualTo(200));
        Assert.That(train.Labels.Distinct().Count(), Is.EqualTo(10));
    }

    [Test]
    public void KnowsTheHashOfEachRawFile()
    {
        Assert.That(FashionMnist.Sha256.Keys, Is.EquivalentTo(Mnist.FileNames));
        Assert.That(FashionMnist.Sha256.Values, Is.All.Matches<string>(h => h.Length == 64 && h.All(char.IsAsciiHexDigitLower)));
        Assert.That(FashionMnist.Sha256.Values, Is.Unique);
        Assert.That(FashionMnist.Sha256.Values.Intersect(MnistFetcher.Sha256.Values), Is.Empty, "not MNIST's files");
    }

    [Test]
    public void TakesTheGzippedFilesOfAnUnpackedPackageCheckingTheRawHash()
    {
        using var tmp = new TempDir();
        string root = tmp.File("deb");
        string folder = Path.Combine(root, FashionMnist.DebianFolder);
        Directory.CreateDirectory(folder);
        byte[] good = [1, 2, 3], bad = [4, 5, 6];
        void Gz(string name, byte[] raw)
        {
            using var f = File.Create(Path.Combine(folder, name + ".gz"));
            using var gz = new GZipStream(f, CompressionLevel.Fastest);
            gz.Write(raw);
        }
        Gz("a", good);
        Gz("b", bad);
        var sha = new Dictionary<string, string>
        {
            ["a"] = Convert.ToHexStringLower(SHA256.HashData(good)),
            ["b"] = Convert.ToHexStringLower(SHA256.HashData(good)),
            ["c"] = "",
        };
        string dir = tmp.File("out");
        Directory.CreateDirectory(dir);

        var (stored, problems) = FashionMnist.ExtractDebianTree(root, dir, ["a", "b", "c"], sha, null);

        Assert.That(stored, Is.EqualTo(new[] { "a" }));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "a")), Is.EqualTo(good), "stored raw, not gzipped");
        Assert.That(problems, Has.Some.Contains("b: sha256 mismatch"));
        Assert.That(problems, Has.Some.Contains("c: not in the package"));
        Assert.That(File.Exists(Path.Combine(dir, "b")), Is.False);
    }

    [Test]
    public void WithNoSourceLeftTheErrorListsTheFilesAndTheirHashes()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<DatasetFetchException>(() => FashionMnist.Fetch(tmp.Path, null, [], tryDebian: false));
        Assert.That(e!.Message, Does.Contain("could not get Fashion-MNIST file(s)"));
        Assert.That(e.Message, Does.Contain(FashionMnist.Sha256[Mnist.TrainImages]));
        Assert.That(e.Message, Does.Contain(FashionMnist.DebianPackage));
    }

    [Test]
    public void AFileThatIsNotFashionMnistIsNeverReplaced()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File(Mnist.TrainLabels), [1, 2, 3]);
        var e = Assert.Throws<InvalidInputFileException>(() => FashionMnist.Fetch(tmp.Path, null, [], tryDebian: false));
        Assert.That(e!.Message, Does.Contain("is not a Fashion-MNIST file"));
        Assert.That(File.ReadAllBytes(tmp.File(Mnist.TrainLabels)), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test, Category("FullData")]
    public void TheFetchedSetHasItsHashesAndSizes()
    {
        string? dir = TestPaths.FullFashionMnist();
        if (dir == null) Assert.Ignore("Fashion-MNIST not fetched (run 'vae fetch --dataset fashion-mnist'); " +
            ".ci/run does");
        var result = FashionMnist.Fetch(dir!, null, [], tryDebian: false);   // verifies every hash, fetches nothing
        Assert.That(result.Files.Select(f => f.Outcome), Is.All.EqualTo("already present"));
        var (train, test) = FashionMnist.Load(dir!);
        Assert.That(train.Count, Is.EqualTo(60_000));
        Assert.That(test.Count, Is.EqualTo(10_000));
    }
}
