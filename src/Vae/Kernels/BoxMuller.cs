using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vae.Kernels;

/// <summary>
/// The Box–Muller transform of uniform pairs: z₀ = r·cos θ, z₁ = r·sin θ with r = √(−2 ln u₁), θ = 2π·u₂, rounded to
/// float. <see cref="Naive"/> calls the C library (Math.Log, Math.Cos, Math.Sin: ~40 ns a pair);
/// <see cref="Transform"/> gives the very same floats from polynomials on <see cref="Vector{T}"/> lanes, and proves
/// each lane exact: the library (glibc: under 1 ulp) and the polynomials are both within 2⁻⁴⁶ of r·cos θ (relative),
/// so when every double within 2⁻³⁶ of ours rounds to the same float, the library's does too. A pair for which that
/// fails (about one in 1,000), or that is near a zero of sin or cos, or has u₁ = 1, is recomputed by the library.
/// </summary>
public static class BoxMuller
{
    /// <summary>The reference: pair i of (u1[i], u2[i]) into z[2i], z[2i+1], by the C library's log, cos and sin.
    /// </summary>
    public static void Naive(ReadOnlySpan<double> u1, ReadOnlySpan<double> u2, Span<float> z)
    {
        Validate(u1, u2, z);
        for (int i = 0; i < u1.Length; i++) (z[2 * i], z[2 * i + 1]) = Pair(u1[i], u2[i]);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (float, float) Pair(double u1, double u2)
    {
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        return ((float)(r * Math.Cos(2 * Math.PI * u2)), (float)(r * Math.Sin(2 * Math.PI * u2)));
    }

    /// <summary>The floats of <see cref="Naive"/>, bit for bit, <see cref="Vector{T}.Count"/> pairs at a time.
    /// u1 in (0, 1], u2 in [0, 1). Returns how many pairs it handed to the C library.</summary>
    public static int Transform(ReadOnlySpan<double> u1, ReadOnlySpan<double> u2, Span<float> z)
    {
        Validate(u1, u2, z);
        int n = u1.Length, w = Vector<double>.Count, vectorEnd = n / w * w, library = 0;
        // Blocks of pairs in two passes, r then r·(cos θ, sin θ): each loop's chain of dependent operations (a divide,
        // polynomials, a square root) is half as long, so the core overlaps more iterations.
        Span<double> radius = stackalloc double[BlockPairs];
        for (int block = 0; block < vectorEnd; block += BlockPairs)
        {
            int end = Math.Min(vectorEnd, block + BlockPairs);
            for (int i = block; i < end; i += w)
                Radius(new Vector<double>(u1.Slice(i))).CopyTo(radius.Slice(i - block));
            for (int i = block; i < end; i += w)
            {
                var r = new Vector<double>(radius.Slice(i - block));
                var (cos, sin, reliable) = Direction(new Vector<double>(u2.Slice(i)));
                var (c, s) = (r * cos, r * sin);
                Store(Vector.Narrow(c, s), z.Slice(2 * i, 2 * w));
                // u₁ = 1 gives r = 0, whose product is a signed zero: the library's.
                var exact = reliable & Vector.LessThan(new Vector<double>(u1.Slice(i)), Vector<double>.One)
                    & FarFromRounding(c) & FarFromRounding(s);
                if (Vector.EqualsAll(exact, Vector<long>.AllBitsSet)) continue;
                for (int j = 0; j < w; j++)
                    if (exact[j] == 0)
                    {
                        (z[2 * (i + j)], z[2 * (i + j) + 1]) = Pair(u1[i + j], u2[i + j]);
                        library++;
                    }
            }
        }
        for (int i = vectorEnd; i < n; i++, library++) (z[2 * i], z[2 * i + 1]) = Pair(u1[i], u2[i]);
        return library;
    }

    private const int BlockPairs = 64;

    /// <summary>f = (cos₀ … cos_w−1, sin₀ … sin_w−1) into z as pairs (cos₀, sin₀, cos₁, …).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> f, Span<float> z)
    {
        if (Sse.IsSupported && Vector<float>.Count == 8)
        {
            var f256 = f.AsVector256();
            var (cos, sin) = (f256.GetLower(), f256.GetUpper());
            Sse.UnpackLow(cos, sin).StoreUnsafe(ref z[0]);
            Sse.UnpackHigh(cos, sin).StoreUnsafe(ref z[4]);
            return;
        }
        int w = Vector<double>.Count;
        for (int j = 0; j < w; j++) (z[2 * j], z[2 * j + 1]) = (f[j], f[j + w]);
    }

    /// <summary>
    /// Lanes whose float is that of every double within 2⁻³⁶ of theirs (relative). A double's low 29 mantissa bits
    /// place it on the float grid of its binade: rounding turns at 2²⁸ (half a float step), and 2⁻³⁶ of the value is
    /// at most 2⁵³·2⁻³⁶ = 2¹⁷ steps of the double, so the lane is exact when those bits are over 2¹⁷ from 2²⁸.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<long> FarFromRounding(Vector<double> v)
    {
        var d = (Vector.AsVectorInt64(v) & new Vector<long>((1L << 29) - 1)) - new Vector<long>(1L << 28);
        return Vector.GreaterThan(d, new Vector<long>(1L << 17)) | Vector.LessThan(d, new Vector<long>(-(1L << 17)));
    }

    private static void Validate(ReadOnlySpan<double> u1, ReadOnlySpan<double> u2, Span<float> z)
    {
        if (u2.Length != u1.Length) throw new ArgumentException("u1 and u2 lengths differ", nameof(u2));
        if (z.Length != 2 * u1.Length) throw new ArgumentException("z must hold two values a pair", nameof(z));
    }

    // ln on [√½, √2) as in fdlibm's e_log.c: with f = m − 1 and s = f/(2+f), ln m = f − s·(f − R(s²)), and R
    // a degree-7 polynomial in s² (error below 2⁻⁵⁸).
    private const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
        Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01,
        Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;

    // sin and cos on [−π/4, π/4] as in fdlibm's k_sin.c and k_cos.c (errors below 2⁻⁵⁸).
    private const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
        S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08,
        S6 = 1.58969099521155010221e-10;
    private const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
        C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09,
        C6 = -1.13596475577881948265e-11;

    private const double Ln2 = 0.6931471805599453, Sqrt2 = 1.4142135623730951;

    // π/2 in two parts (fdlibm's pio2_1, pio2_1t): the first has 33 bits, so k·pio2_1 and θ − k·pio2_1 are exact.
    private const double Pio2Hi = 1.57079632673412561417e+00, Pio2Lo = 6.07710050650619224932e-11;

    // Whole numbers to and from double without AVX-512's conversions: n + 2⁵² holds n in its low mantissa bits.
    private const double TwoTo52 = 4503599627370496.0;

    /// <summary>r = √(−2 ln u₁) within 2⁻⁵⁰ (relative), for u₁ in (0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<double> Radius(Vector<double> u1)
    {
        // ln u₁ = e·ln 2 + ln m, u₁ = m·2ᵉ with m in [√½, √2) (u₁ ≥ 2⁻⁵³ is never subnormal).
        var bits = Vector.AsVectorInt64(u1);
        var e = Vector.AsVectorDouble(Vector.ShiftRightLogical(bits, 52) | new Vector<long>(0x4330000000000000L))
            - new Vector<double>(TwoTo52 + 1023);   // the biased exponent as 2⁵² + n, then n − 1023
        var m = Vector.AsVectorDouble(
            (bits & new Vector<long>(0x000FFFFFFFFFFFFFL)) | new Vector<long>(0x3FF0000000000000L));
        var high = Vector.GreaterThan(m, new Vector<double>(Sqrt2));
        m = Vector.ConditionalSelect(high, m * 0.5, m);
        e += Vector.AsVectorDouble(high & Vector.AsVectorInt64(Vector<double>.One));   // + 1 where m was halved
        var f = m - Vector<double>.One;
        var s = f / (new Vector<double>(2) + f);
        var w = s * s;
        var r = w * (new Vector<double>(Lg1) + w * Horner(w, Lg2, Lg3, Lg4, Lg5, Lg6, Lg7));
        var ln = e * Ln2 + (f - s * (f - r));
        return Vector.SquareRoot(ln * -2.0);
    }

    /// <summary>cos θ and sin θ for θ = 2π·u₂ as the library sees it, within 2⁻⁵⁰ (relative) in the lanes marked
    /// reliable: all but θ within 2⁻²⁰ of a multiple of π/2, where the reduced angle loses relative accuracy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector<double> Cos, Vector<double> Sin, Vector<long> Reliable) Direction(Vector<double> u2)
    {
        // x = θ − k·π/2 in [−π/4, π/4], quadrant q = k mod 4 (k rounded to nearest by adding 1.5·2⁵², whose low
        // mantissa bits then hold k).
        var theta = u2 * (2 * Math.PI);
        var shifted = theta * (2 / Math.PI) + new Vector<double>(1.5 * TwoTo52);
        var kd = shifted - new Vector<double>(1.5 * TwoTo52);
        var x = theta - kd * Pio2Hi - kd * Pio2Lo;
        var q = Vector.AsVectorInt64(shifted) & new Vector<long>(3);
        var z = x * x;
        var sinX = x + x * z * Horner(z, S1, S2, S3, S4, S5, S6);
        var cosX = Vector<double>.One - 0.5 * z + z * z * Horner(z, C1, C2, C3, C4, C5, C6);
        // cos θ = ±cos x or ±sin x by quadrant: odd q swaps them; cos θ < 0 for q = 1, 2, sin θ < 0 for q = 2, 3.
        var odd = Vector.Equals(q & Vector<long>.One, Vector<long>.One);
        var cos = Vector.ConditionalSelect(odd, sinX, cosX);
        var sin = Vector.ConditionalSelect(odd, cosX, sinX);
        var two = new Vector<long>(2);
        cos = Vector.AsVectorDouble(Vector.AsVectorInt64(cos) ^ Vector.ShiftLeft((q + Vector<long>.One) & two, 62));
        sin = Vector.AsVectorDouble(Vector.AsVectorInt64(sin) ^ Vector.ShiftLeft(q & two, 62));
        return (cos, sin, Vector.GreaterThanOrEqual(Vector.Abs(x), new Vector<double>(1.0 / (1 << 20))));
    }

    /// <summary>c₀ + x·(c₁ + x·(c₂ + x·(c₃ + x·(c₄ + x·c₅)))).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Horner(Vector<double> x, double c0, double c1, double c2, double c3, double c4,
        double c5)
    {
        var p = Vector.FusedMultiplyAdd(x, new Vector<double>(c5), new Vector<double>(c4));
        p = Vector.FusedMultiplyAdd(x, p, new Vector<double>(c3));
        p = Vector.FusedMultiplyAdd(x, p, new Vector<double>(c2));
        p = Vector.FusedMultiplyAdd(x, p, new Vector<double>(c1));
        return Vector.FusedMultiplyAdd(x, p, new Vector<double>(c0));
    }
}
