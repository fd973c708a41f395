using Vae.Data;

namespace Vae.Tests.Data;

public class BinarizationTests
{
    private static byte[] Ramp(int n)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte)(i * 37 % 256);
        return b;
    }

    [Test]
    public void TheSameKeyGivesTheSameImageAndAnotherKeyAnother()
    {
        var src = Ramp(785);
        float[] Draw(ulong seed, ulong use, int row)
        {
            var d = new float[src.Length];
            Binarization.Draw(src, seed, use, row, d);
            return d;
        }
        Assert.That(Draw(1, 7, 3), Is.EqualTo(Draw(1, 7, 3)));
        Assert.That(Draw(1, 7, 3), Is.Not.EqualTo(Draw(2, 7, 3)), "seed");
        Assert.That(Draw(1, 7, 3), Is.Not.EqualTo(Draw(1, 8, 3)), "use");
        Assert.That(Draw(1, 7, 3), Is.Not.EqualTo(Draw(1, 7, 4)), "row");
        Assert.That(Draw(1, 7, 3).All(v => v is 0f or 1f));
    }

    [Test]
    public void EveryIntensityIsDrawnWithItsProbability()
    {
        // 256 intensities × 4,000 draws: the frequency of 1s must be within 4.5 standard errors of byte/255,
        // and 0 and 255 are exact.
        var src = new byte[256];
        for (int i = 0; i < 256; i++) src[i] = (byte)i;
        var ones = new int[256];
        var dest = new float[256];
        const int draws = 4000;
        for (int u = 0; u < draws; u++)
        {
            Binarization.Draw(src, 5, (ulong)u, u % 20, dest);
            for (int i = 0; i < 256; i++) ones[i] += (int)dest[i];
        }
        Assert.That(ones[0], Is.EqualTo(0));
        Assert.That(ones[255], Is.EqualTo(draws));
        for (int i = 1; i < 255; i++)
        {
            double p = i / 255.0, f = ones[i] / (double)draws, se = Math.Sqrt(p * (1 - p) / draws);
            Assert.That(Math.Abs(f - p), Is.LessThan(4.5 * se), $"intensity {i}: frequency {f:F4} vs {p:F4}");
        }
    }

    [Test]
    public void NeighbouringPixelsAreIndependent()
    {
        // All pixels at ½: pairs (i, i+1) must show each of 00, 01, 10, 11 a quarter of the time.
        var src = Enumerable.Repeat((byte)128, 784).ToArray();
        var dest = new float[784];
        var pairs = new int[4];
        for (int u = 0; u < 200; u++)
        {
            Binarization.Draw(src, 9, (ulong)u, 0, dest);
            for (int i = 0; i + 1 < 784; i++) pairs[(int)dest[i] * 2 + (int)dest[i + 1]]++;
        }
        int n = pairs.Sum();
        foreach (int c in pairs) Assert.That(c / (double)n, Is.EqualTo(0.25).Within(0.01));
    }

    [Test]
    public void TheFixedTestBinarisationIsTheSameEveryTime()
    {
        var (_, test) = Mnist.Load(TestPaths.Slice);
        var a = Binarization.Once(test);
        Assert.That(a.Images, Is.EqualTo(Binarization.Once(test).Images));
        Assert.That(a.Images.All(b => b is 0 or 255));
        Assert.That(a.Labels, Is.EqualTo(test.Labels));
        Assert.That(a.Images, Is.Not.EqualTo(Binarization.Once(test, seed: 2).Images));
    }
}
