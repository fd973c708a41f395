using System.IO.Compression;
using Vae.Data;

namespace Vae.Tests.Data;

/// <summary>Every malformed IDX/MNIST file fails with <see cref="InvalidInputFileException"/> naming the file and the problem.</summary>
public class IdxTests
{
    private TempDir _tmp = null!;

    [SetUp] public void SetUp() => _tmp = new TempDir();
    [TearDown] public void TearDown() => _tmp.Dispose();

    private static byte[] Images(int count, int rows = 28, int cols = 28)
    {
        var data = new byte[count * rows * cols];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7);
        return Idx.Encode([count, rows, cols], data);
    }

    private static byte[] Labels(params byte[] labels) => Idx.Encode([labels.Length], labels);

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    private string Put(string name, byte[] bytes)
    {
        string path = _tmp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes a full MNIST folder with the given train images/labels (test split valid) and loads it.</summary>
    private void LoadWith(byte[] trainImages, byte[] trainLabels)
    {
        Put(Mnist.TrainImages, trainImages);
        Put(Mnist.TrainLabels, trainLabels);
        Put(Mnist.TestImages, Images(2));
        Put(Mnist.TestLabels, Labels(3, 4));
        Mnist.Load(_tmp.Path);
    }

    private static void Fails(TestDelegate action, params string[] words)
    {
        var e = Assert.Throws<InvalidInputFileException>(action)!;
        Assert.That(e.Message, Does.Not.Contain("\n"));
        foreach (string w in words) Assert.That(e.Message, Does.Contain(w).IgnoreCase);
    }

    [Test]
    public void ValidFilesRoundTripRawAndGzipped()
    {
        var raw = Idx.Read(Put("a", Images(3)));
        var gz = Idx.Read(Put("b.bin", Gzip(Images(3)))); // gzip recognised by content, not by name
        Assert.That(raw.Dims, Is.EqualTo(new[] { 3, 28, 28 }));
        Assert.That(gz.Dims, Is.EqualTo(raw.Dims));
        Assert.That(gz.Data, Is.EqualTo(raw.Data));
        Assert.DoesNotThrow(() => LoadWith(Images(3), Labels(0, 9, 5)));
    }

    [Test] public void TruncatedData() => Fails(() => Idx.Read(Put("t", Images(3)[..^1])), "truncated", Path.Combine(_tmp.Path, "t"));
    [Test] public void TruncatedHeader() => Fails(() => Idx.Read(Put("t", Images(3)[..10])), "truncated", "header");
    [Test] public void ShorterThanMagic() => Fails(() => Idx.Read(Put("t", [0, 0])), "truncated");
    [Test] public void TrailingBytes() => Fails(() => Idx.Read(Put("t", [.. Images(2), 1, 2, 3])), "3 unexpected trailing bytes");
    [Test] public void EmptyFile() => Fails(() => Idx.Read(Put("e", [])), "empty");
    [Test] public void WrongMagic() => Fails(() => Idx.Read(Put("m", [1, 2, .. Images(1)[2..]])), "magic");
    [Test] public void WrongType() => Fails(() => Idx.Read(Put("m", [0, 0, 0x0D, .. Images(1)[3..]])), "type 0x0d");
    [Test] public void RankZero() => Fails(() => Idx.Read(Put("m", [0, 0, 8, 0])), "rank");
    [Test] public void NegativeDimension() => Fails(() => Idx.Read(Put("n", [0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF])), "negative");

    [Test]
    public void HugeCountInATinyFileFailsAtOnce()
    {
        // A header claiming 2^31-1 × 28 × 28 bytes in a 100-byte file: must not try to allocate it.
        var file = new byte[100];
        Images(0).CopyTo(file, 0);
        file[4] = 0x7F; file[5] = 0xFF; file[6] = 0xFF; file[7] = 0xFF;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(() => Idx.Read(Put("h", file)), "truncated");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
    }

    [Test]
    public void HugeCountInATinyGzipFailsAtOnce()
    {
        var header = Images(0);
        header[4] = 0x7F; header[5] = 0xFF; header[6] = 0xFF; header[7] = 0xFF;
        Fails(() => Idx.Read(Put("h.gz", Gzip([.. header, .. new byte[1000]]))), "truncated");
    }

    [Test]
    public void FolderInPlaceOfAFile()
    {
        Directory.CreateDirectory(_tmp.File("dir"));
        Fails(() => Idx.Read(_tmp.File("dir")), "folder");
        Directory.CreateDirectory(_tmp.File(Mnist.TrainImages));
        Put(Mnist.TrainLabels, Labels(1));
        Put(Mnist.TestImages, Images(1));
        Put(Mnist.TestLabels, Labels(1));
        Fails(() => Mnist.Load(_tmp.Path), "folder", Mnist.TrainImages);
    }

    [Test]
    public void CorruptGzip()
    {
        var gz = Gzip(Images(4));
        for (int i = 20; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        Fails(() => Idx.Read(Put("c.gz", gz)), "gzip");
    }

    [Test]
    public void TruncatedGzip() => Fails(() => Idx.Read(Put("c.gz", Gzip(Images(4))[..40])));

    [Test] public void ImagesOfWrongRank() => Fails(() => LoadWith(Labels(1, 2), Labels(1, 2)), "rank 3", Mnist.TrainImages);
    [Test] public void ImagesOfWrongSize() => Fails(() => LoadWith(Images(2, 28, 27), Labels(1, 2)), "28×28", "28×27");
    [Test] public void LabelsOfWrongRank() => Fails(() => LoadWith(Images(2), Images(2)), "rank 1", Mnist.TrainLabels);
    [Test] public void CountMismatch() => Fails(() => LoadWith(Images(3), Labels(1, 2)), "2 labels", "3 images");
    [Test] public void LabelOutOfRange() => Fails(() => LoadWith(Images(2), Labels(1, 10)), "label 10", "index 1");
}
