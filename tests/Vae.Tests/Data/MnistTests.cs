using Vae.Data;

namespace Vae.Tests.Data;

public class MnistTests
{
    private static string SliceDir => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "mnist-slice");

    [Test]
    public void SliceLoadsWithCountsAndKnownLabels()
    {
        Assert.That(Mnist.FilesPresent(SliceDir), Is.True);
        var (train, test) = Mnist.Load(SliceDir);
        Assert.That(train.Count, Is.EqualTo(300));
        Assert.That(test.Count, Is.EqualTo(200));
        Assert.That(train.Images, Has.Length.EqualTo(300 * 784));
        Assert.That(test.Images, Has.Length.EqualTo(200 * 784));
        Assert.That(train.Labels[..10], Is.EqualTo(new byte[] { 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 }));
        Assert.That(test.Labels[..10], Is.EqualTo(new byte[] { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 }));
        Assert.That(train.Labels.Max(), Is.LessThanOrEqualTo(9));
        // MNIST digits are white strokes on black: both ends of the range occur.
        Assert.That(train.Images.Min(), Is.EqualTo(0));
        Assert.That(train.Images.Max(), Is.EqualTo(255));
        // The corners of a centred digit are background.
        Assert.That(train.Image(0)[0], Is.EqualTo(0));
        Assert.That(train.Image(0)[783], Is.EqualTo(0));
    }

    [Test]
    public void FillBatchGivesBytesOver255InIndexOrder()
    {
        var (train, _) = Mnist.Load(SliceDir);
        int[] indices = [7, 0, 299];
        var dest = new float[indices.Length * Mnist.Pixels];
        train.FillBatch(indices, dest);
        for (int b = 0; b < indices.Length; b++)
            for (int i = 0; i < Mnist.Pixels; i++)
                Assert.That(dest[b * 784 + i], Is.EqualTo(train.Images[indices[b] * 784 + i] / 255f));
        Assert.That(dest.Min(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(dest.Max(), Is.LessThanOrEqualTo(1f));
    }

    [Test]
    public void FillBatchSplitOverThreadsGivesTheSameRows()
    {
        var (train, _) = Mnist.Load(SliceDir);
        int[] indices = Enumerable.Range(0, 64).Select(i => (i * 37) % train.Count).ToArray();
        foreach (var set in new[] { train, train.WithDynamicBinarization(5) })
        {
            float[] one = new float[indices.Length * Mnist.Pixels], two = new float[one.Length];
            set.FillBatch(indices, one, use: 9, threads: 1);
            set.FillBatch(indices, two, use: 9, threads: 2);
            Assert.That(two, Is.EqualTo(one).AsCollection, set.DynamicBinarizationSeed == null ? "grey" : "binarised");
        }
    }

    [Test]
    public void FillBatchDoesNotAllocate()
    {
        var (train, _) = Mnist.Load(SliceDir);
        int[] indices = [1, 2, 3, 4];
        var dest = new float[indices.Length * Mnist.Pixels];
        train.FillBatch(indices, dest); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++) train.FillBatch(indices, dest);
        var binary = train.WithDynamicBinarization(1);
        binary.FillBatch(indices, dest, threads: 2);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++) binary.FillBatch(indices, dest, use: (ulong)k, threads: 2);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void FillBatchRejectsBadIndexAndSize()
    {
        var (train, _) = Mnist.Load(SliceDir);
        Assert.Throws<ArgumentOutOfRangeException>(() => train.FillBatch([300], new float[784]));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.FillBatch([-1], new float[784]));
        Assert.Throws<ArgumentException>(() => train.FillBatch([0], new float[783]));
    }

    [Test]
    public void RawFilesLoadLikeGzippedOnes()
    {
        using var tmp = new TempDir();
        foreach (string name in Mnist.FileNames)
        {
            var a = Idx.Read(Path.Combine(SliceDir, name + ".gz"));
            File.WriteAllBytes(tmp.File(name), Idx.Encode(a.Dims, a.Data));
        }
        var (train, test) = Mnist.Load(tmp.Path);
        var (train2, test2) = Mnist.Load(SliceDir);
        Assert.That(train.Images, Is.EqualTo(train2.Images));
        Assert.That(test.Labels, Is.EqualTo(test2.Labels));
    }

    [Test]
    public void MissingFolderOrFileSaysHowToGetTheData()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<DirectoryNotFoundException>(() => Mnist.Load(tmp.File("nope")));
        Assert.That(e!.Message, Does.Contain("fetch-mnist"));
        Assert.That(Mnist.FilesPresent(tmp.Path), Is.False);
        var f = Assert.Throws<FileNotFoundException>(() => Mnist.Load(tmp.Path));
        Assert.That(f!.Message, Does.Contain(Mnist.TrainImages).And.Contain("fetch-mnist"));
    }

    /// <summary>The full data set, when 'vae fetch-mnist' has put it in the repository's data/mnist (or VAE_DATA).</summary>
    [Test]
    public void FullMnistLoadsWhenFetched()
    {
        string? dir = TestPaths.FullMnist();
        if (dir == null) Assert.Ignore("MNIST not fetched (run 'vae fetch-mnist')");

        var (train, test) = Mnist.Load(dir!);
        Assert.That(train.Count, Is.EqualTo(60_000));
        Assert.That(test.Count, Is.EqualTo(10_000));
        Assert.That(train.Labels[..10], Is.EqualTo(new byte[] { 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 }));
        // The committed slice is the head of the real files.
        var (slice, _) = Mnist.Load(SliceDir);
        Assert.That(train.Images.AsSpan(0, slice.Images.Length).SequenceEqual(slice.Images), Is.True);
        var perClass = new int[10];
        foreach (byte l in train.Labels) perClass[l]++;
        Assert.That(perClass, Has.All.InRange(5_000, 7_000));
    }

    [Test]
    public void DefaultDataDirHonoursVAEDATA()
    {
        string? old = Environment.GetEnvironmentVariable("VAE_DATA");
        try
        {
            Environment.SetEnvironmentVariable("VAE_DATA", "/somewhere/else");
            Assert.That(Mnist.DefaultDataDir(), Is.EqualTo("/somewhere/else"));
            Environment.SetEnvironmentVariable("VAE_DATA", null);
            Assert.That(Mnist.DefaultDataDir(), Is.EqualTo(Path.Combine(Directory.GetCurrentDirectory(), "data", "mnist")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("VAE_DATA", old);
        }
    }
}
