using System.Numerics;
using NUnit.Framework;
using Vae.Engine;
using Vae.Kernels;

namespace Vae.Tests.Kernels;

/// <summary>
/// The vector Box–Muller transform against its twin on the C library, bit for bit (signed zeros included): on the
/// training stream's uniforms, at lengths that straddle the vector width, and at the edges (u₁ = 1 and 2⁻⁵³, the
/// mantissa's √2 split, θ at and beside multiples of π/4). And the premise of its exactness proof: its doubles are
/// within 2⁻⁴⁶ of the library's.
/// </summary>
[TestFixture]
public class BoxMullerTests
{
    private static (double[] U1, double[] U2) StreamUniforms(ulong seed, int pairs)
    {
        var rng = new Rng(seed, RngStreams.Noise);
        double[] u1 = new double[pairs], u2 = new double[pairs];
        for (int i = 0; i < pairs; i++) { u1[i] = 1.0 - rng.NextDouble(); u2[i] = rng.NextDouble(); }
        return (u1, u2);
    }

    /// <summary>Asserts the same floats; returns how many pairs the transform handed to the library.</summary>
    private static int AssertSameBits(double[] u1, double[] u2, string what)
    {
        float[] expected = new float[2 * u1.Length], actual = new float[2 * u1.Length];
        Array.Fill(actual, float.NaN);
        BoxMuller.Naive(u1, u2, expected);
        int library = BoxMuller.Transform(u1, u2, actual);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                Assert.Fail($"{what}: value {i} of {expected.Length} (u1 {u1[i / 2]:R}, u2 {u2[i / 2]:R}) is " +
                    $"{actual[i]:R}, the library's {expected[i]:R}");
        return library;
    }

    [Test]
    public void TransformGivesTheLibraryBitsOnTheStream()
    {
        var (u1, u2) = StreamUniforms(1, 1_000_000);
        int library = AssertSameBits(u1, u2, "a million pairs");
        // About 2·2·2⁻³⁶/2⁻²⁴ = 1/1,000 of the pairs fail the rounding check: the vector lanes do the rest.
        TestContext.Out.WriteLine($"{library} of 1,000,000 pairs from the library");
        Assert.That(library, Is.InRange(1, 5_000));
    }

    [Test]
    public void TransformGivesTheLibraryBitsAtEveryLength()
    {
        for (int n = 0; n <= 3 * Vector<double>.Count + 1; n++)
        {
            var (u1, u2) = StreamUniforms((ulong)n + 10, n);
            AssertSameBits(u1, u2, $"{n} pairs");
        }
    }

    [Test]
    public void TransformGivesTheLibraryBitsAtTheEdges()
    {
        // u₁: 1 (r = 0: ±0), the smallest 2⁻⁵³, beside 1 and √½ (ln's mantissa split) and powers of two.
        var u1s = new List<double> { 1.0, Math.Pow(2, -53), 1 - Math.Pow(2, -53), 0.5, 0.25, Math.Sqrt(0.5) };
        foreach (double v in u1s.ToArray()) { u1s.Add(Math.BitDecrement(v)); u1s.Add(Math.BitIncrement(v)); }
        u1s.RemoveAll(v => v is <= 0 or > 1);
        // u₂: k/8 (θ at multiples of π/4: the quadrant boundaries and the zeros of cos and sin) and 1 ulp and 2⁻²⁰
        // either side, where the reduced angle is tiny or the quadrant flips.
        var u2s = new List<double>();
        for (int k = 0; k < 8; k++)
            foreach (double d in new[] { 0, 1e-16, 1e-15, 1.0 / (1 << 20), 1e-3 })
            {
                u2s.Add(k / 8.0 + d);
                if (k > 0 || d > 0) u2s.Add(k / 8.0 - d);
            }
        foreach (double v in u2s.ToArray()) { u2s.Add(Math.BitIncrement(v)); u2s.Add(Math.BitDecrement(v)); }
        u2s.RemoveAll(v => v is < 0 or >= 1);
        u2s.Add(1 - Math.Pow(2, -53));
        var pairs = u1s.SelectMany(a => u2s.Select(b => (a, b))).ToArray();
        AssertSameBits(pairs.Select(p => p.a).ToArray(), pairs.Select(p => p.b).ToArray(), "edges");
        Assert.That(pairs.Length, Is.GreaterThan(1000));
    }

    [Test]
    public void VectorDoublesAreWithinTheProofsBoundOfTheLibrary()
    {
        // The exactness check assumes our r·cos θ and r·sin θ within 2⁻⁴⁶ of the library's (relative) in every lane
        // it does not hand back at once (u₁ = 1, θ beside a multiple of π/2). Measured over 400,000 pairs of the stream.
        var (u1, u2) = StreamUniforms(2, 400_000);
        int w = Vector<double>.Count, handedBack = 0;
        double worst = 0;
        for (int i = 0; i + w <= u1.Length; i += w)
        {
            var radius = BoxMuller.Radius(new Vector<double>(u1, i));
            var (cosV, sinV, reliable) = BoxMuller.Direction(new Vector<double>(u2, i));
            var (c, s) = (radius * cosV, radius * sinV);
            for (int j = 0; j < w; j++)
            {
                if (reliable[j] == 0 || u1[i + j] == 1) { handedBack++; continue; }
                double r = Math.Sqrt(-2.0 * Math.Log(u1[i + j]));
                double cos = r * Math.Cos(2 * Math.PI * u2[i + j]), sin = r * Math.Sin(2 * Math.PI * u2[i + j]);
                worst = Math.Max(worst, Math.Abs(c[j] - cos) / Math.Abs(cos));
                worst = Math.Max(worst, Math.Abs(s[j] - sin) / Math.Abs(sin));
            }
        }
        TestContext.Out.WriteLine($"worst relative difference 2^{Math.Log2(worst):F1}, {handedBack} lanes handed back");
        Assert.That(worst, Is.LessThan(Math.Pow(2, -46)));
        Assert.That(handedBack, Is.LessThan(10), "lanes near a zero of sin or cos are rare");
    }

    [Test]
    public void MismatchedLengthsThrow()
    {
        Assert.That(() => BoxMuller.Transform(new double[3], new double[2], new float[6]),
            Throws.InstanceOf<ArgumentException>());
        Assert.That(() => BoxMuller.Naive(new double[3], new double[3], new float[5]),
            Throws.InstanceOf<ArgumentException>());
    }
}
