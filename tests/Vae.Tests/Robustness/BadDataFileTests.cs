using System.IO.Compression;
using Vae.Cli;
using Vae.Data;
using Vae.Tests.Data;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 5.1: a bad MNIST file in --data makes 'vae train' print one line naming the file and what is wrong, and exit 2
/// (no stack trace, no training). Each case copies the slice and spoils one file.
/// </summary>
[NonParallelizable]
public class BadDataFileTests
{
    private static byte[] Raw(string name)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(TestPaths.Slice, name + ".gz")), CompressionMode.Decompress);
        var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>How each case spoils the copied folder; returns the file name the message must name.</summary>
    private static readonly Dictionary<string, Func<string, string>> Cases = new()
    {
        ["truncated images"] = dir => Replace(dir, Mnist.TrainImages, Raw(Mnist.TrainImages)[..5000]),
        ["wrong magic"] = dir => Replace(dir, Mnist.TestImages, [0x12, 0x34, .. Raw(Mnist.TestImages)[2..]]),
        ["images and labels disagree in count"] = dir => Replace(dir, Mnist.TrainLabels, Idx.Encode([299], Raw(Mnist.TrainLabels)[8..307])),
        ["label 10"] = dir =>
        {
            var labels = Raw(Mnist.TestLabels);
            labels[8 + 17] = 10;
            return Replace(dir, Mnist.TestLabels, labels);
        },
        ["folder in place of a file"] = dir =>
        {
            File.Delete(Path.Combine(dir, Mnist.TrainLabels + ".gz"));
            Directory.CreateDirectory(Path.Combine(dir, Mnist.TrainLabels));
            return Mnist.TrainLabels;
        },
        ["corrupt gzip"] = dir =>
        {
            string gz = Path.Combine(dir, Mnist.TrainImages + ".gz");
            var bytes = File.ReadAllBytes(gz);
            for (int i = bytes.Length / 3; i < bytes.Length / 3 + 64; i++) bytes[i] ^= 0x5A;
            File.WriteAllBytes(gz, bytes);
            return Mnist.TrainImages + ".gz";
        },
        ["empty file"] = dir => Replace(dir, Mnist.TestLabels, []),
        ["empty gzip file"] = dir =>
        {
            File.WriteAllBytes(Path.Combine(dir, Mnist.TestImages + ".gz"), []);
            return Mnist.TestImages + ".gz";
        },
        ["trailing bytes"] = dir => Replace(dir, Mnist.TrainLabels, [.. Raw(Mnist.TrainLabels), 1, 2, 3]),
    };

    /// <summary>Writes <paramref name="bytes"/> as the raw file (which is preferred over its .gz) and drops the .gz.</summary>
    private static string Replace(string dir, string name, byte[] bytes)
    {
        File.Delete(Path.Combine(dir, name + ".gz"));
        File.WriteAllBytes(Path.Combine(dir, name), bytes);
        return name;
    }

    public static IEnumerable<string> CaseNames => Cases.Keys;

    [TestCaseSource(nameof(CaseNames))]
    public void TrainReportsTheFileInOneLineAndExits2(string name)
    {
        using var temp = new TempDir();
        string data = temp.File("data");
        Directory.CreateDirectory(data);
        foreach (var f in Directory.GetFiles(TestPaths.Slice)) File.Copy(f, Path.Combine(data, Path.GetFileName(f)));
        string bad = Cases[name](data);

        var r = CliRun.Run("train", "--data", data, "--out", temp.File("out"), "--hidden", "16", "--latent", "3", "--epochs", "1", "--threads", "1");

        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.Contain(Path.Combine(data, bad)), r.ToString());
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(File.Exists(Path.Combine(temp.File("out"), "metrics.csv")), Is.False, "no training started");
    }
}
