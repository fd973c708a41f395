using System.Runtime.Intrinsics.X86;
using NUnit.Framework;
using Vae.Data;
using Vae.Kernels;

namespace Vae.Tests.Kernels;

/// <summary>
/// Every vector path of the counter-hash Bernoulli draws against the scalar loop, bit for bit: at lengths that
/// straddle the vector steps (8 and 16 pixels), for many keys, and at the comparison's edges u = s·0x01010101 ± 1,
/// reached by inverting the hash. The AVX2 path runs here on an AVX-512 machine too.
/// </summary>
[TestFixture]
public class CounterBernoulliTests
{
    private static IEnumerable<CounterBernoulliPath> Paths() =>
        Enum.GetValues<CounterBernoulliPath>().Where(CounterBernoulli.IsSupported);

    private static float[] Run(CounterBernoulliPath? path, byte[] src, ulong key)
    {
        var dest = new float[src.Length];
        Array.Fill(dest, float.NaN);   // every pixel must be written
        if (path is { } p) CounterBernoulli.Fill(p, src, key, dest);
        else CounterBernoulli.Naive(src, key, dest);
        return dest;
    }

    [Test]
    public void EveryPathDrawsTheNaiveBitsAtEveryLength()
    {
        var rng = new Random(3);
        int[] lengths = [.. Enumerable.Range(0, 70), 783, 784, 785, 1568];
        foreach (int n in lengths)
            for (int trial = 0; trial < 4; trial++)
            {
                // A third 0, a third 255, a third anything (MNIST is mostly 0 and 255).
                var src = new byte[n];
                for (int i = 0; i < n; i++)
                    src[i] = rng.Next(3) switch { 0 => 0, 1 => 255, _ => (byte)rng.Next(256) };
                ulong key = Binarization.Key((ulong)rng.NextInt64(), (ulong)rng.Next(1_000_000), rng.Next(1000));
                var expected = Run(null, src, key);
                foreach (var path in Paths())
                    Assert.That(Run(path, src, key), Is.EqualTo(expected).AsCollection, $"{path}, length {n}");
            }
    }

    [Test]
    public void EveryPathAgreesAtTheEdgesOfTheComparison()
    {
        // Pixel pair j of a 32-pixel image gets hash Mix(key + (j+1)·Step): choosing the hash and solving for the key
        // puts both 32-bit uniforms of that pair on u = s·0x01010101 + δ (δ = −1, 0, 1), where 1 turns into 0.
        var src = new byte[32];
        int checkedPixels = 0;
        for (int s = 0; s < 256; s++)
            for (int j = 0; j < 16; j++)
                foreach (long dLo in new long[] { -1, 0, 1 })
                    foreach (long dHi in new long[] { -1, 0, 1 })
                    {
                        Array.Fill(src, (byte)s);
                        ulong lo = (uint)(s * 0x01010101L + dLo), hi = (uint)(s * 0x01010101L + dHi);
                        ulong key = Unmix(hi << 32 | lo) - (ulong)(j + 1) * CounterBernoulli.Step;
                        var expected = Run(null, src, key);
                        Assert.That(expected[2 * j], Is.EqualTo(lo * 255 < (ulong)s << 32 ? 1f : 0f), "naive");
                        Assert.That(expected[2 * j + 1], Is.EqualTo(hi * 255 < (ulong)s << 32 ? 1f : 0f), "naive");
                        foreach (var path in Paths())
                            Assert.That(Run(path, src, key), Is.EqualTo(expected).AsCollection,
                                $"{path}, byte {s}, pair {j}, δ {dLo}/{dHi}");
                        checkedPixels += 2;
                    }
        Assert.That(checkedPixels, Is.EqualTo(256 * 16 * 9 * 2));
    }

    [Test]
    public void TheInverseUndoesTheHash()
    {
        var rng = new Random(1);
        for (int i = 0; i < 1000; i++)
        {
            ulong z = (ulong)rng.NextInt64() ^ (ulong)rng.NextInt64() << 1;
            Assert.That(CounterBernoulli.Mix(Unmix(z)), Is.EqualTo(z));
        }
    }

    [Test]
    public void SelectedPathIsTheBestTheHardwareReports()
    {
        // With DOTNET_EnableAVX512=0 this must say Avx2, and the production draws run the AVX2 loop.
        var expected = Avx512F.IsSupported && Avx512DQ.IsSupported ? CounterBernoulliPath.Avx512
            : Avx2.IsSupported ? CounterBernoulliPath.Avx2 : CounterBernoulliPath.Scalar;
        Assert.That(CounterBernoulli.Path, Is.EqualTo(expected));
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
            Assert.That(CounterBernoulli.Path, Is.Not.EqualTo(CounterBernoulliPath.Avx512));
        Assert.That(CounterBernoulli.IsSupported(CounterBernoulliPath.Scalar));
    }

    [Test]
    public void MismatchedLengthsAndMissingInstructionSetsThrow()
    {
        var src = new byte[5];
        Assert.That(() => CounterBernoulli.Fill(src, 1, new float[4]), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => CounterBernoulli.Naive(src, 1, new float[6]), Throws.InstanceOf<ArgumentException>());
        foreach (var path in Enum.GetValues<CounterBernoulliPath>().Where(p => !CounterBernoulli.IsSupported(p)))
            Assert.That(() => CounterBernoulli.Fill(path, src, 1, new float[5]),
                Throws.InstanceOf<PlatformNotSupportedException>());
    }

    /// <summary>The inverse of <see cref="CounterBernoulli.Mix"/>: undo each xor-shift and multiply by the inverse of
    /// each odd constant modulo 2⁶⁴.</summary>
    private static ulong Unmix(ulong z)
    {
        z = UnXorShift(z, 31);
        z = UnXorShift(z * Inverse(0x94D049BB133111EBUL), 27);
        return UnXorShift(z * Inverse(0xBF58476D1CE4E5B9UL), 30);
    }

    private static ulong UnXorShift(ulong y, int k)
    {
        ulong x = y;
        for (int i = 0; i < 64 / k + 1; i++) x = y ^ (x >> k);
        return x;
    }

    private static ulong Inverse(ulong a)
    {
        ulong x = a;   // Newton's iteration doubles the correct low bits: 3 → 6 → … → 96 ≥ 64
        for (int i = 0; i < 5; i++) x *= 2 - a * x;
        return x;
    }
}
