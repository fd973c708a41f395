using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vae.Kernels;

/// <summary>The instruction sets <see cref="CounterBernoulli"/> has a loop for.</summary>
public enum CounterBernoulliPath
{
    /// <summary>The scalar loop (<see cref="CounterBernoulli.Naive"/>): any CPU.</summary>
    Scalar,
    /// <summary>x86 AVX2, <see cref="Vector256{T}"/>: 4 hashes (8 pixels) a step, 64-bit multiplies from 32-bit ones.
    /// </summary>
    Avx2,
    /// <summary>x86 AVX-512F + DQ, <see cref="Vector512{T}"/>: 8 hashes (16 pixels) a step, vpmullq.</summary>
    Avx512,
}

/// <summary>
/// Bernoulli draws from a counter-based hash: dest[i] = 1 with probability src[i]/255, else 0, where the uniforms
/// are SplitMix64's finaliser of a counter (Steele, Lea &amp; Flood 2014), so they need no state. Hash j = 0, 1, …
/// is <c>Mix(key + (j+1)·Step)</c>; its low 32 bits draw pixel 2j and its high 32 bits pixel 2j+1 (an odd last pixel
/// takes the low half of <c>Mix(key)</c>). Pixel i is 1 iff u·255 &lt; src[i]·2³² for its 32-bit uniform u.
/// </summary>
public static unsafe class CounterBernoulli
{
    /// <summary>The counter's stride (an odd constant of Steele et al.), so hashes of nearby keys do not overlap.
    /// </summary>
    public const ulong Step = 0xD1B54A32D192ED03UL;

    /// <summary>SplitMix64's finaliser: a bijection scrambling a counter.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The reference: one hash per two pixels, compared in 64 bits.</summary>
    public static void Naive(ReadOnlySpan<byte> src, ulong key, Span<float> dest)
    {
        if (dest.Length != src.Length) throw new ArgumentException("dest and src lengths differ", nameof(dest));
        int i = 0;
        for (ulong c = 1; i <= src.Length - 2; i += 2, c++)
        {
            ulong r = Mix(key + c * Step);   // two 32-bit uniforms per hash
            dest[i] = (r & 0xFFFFFFFFUL) * 255 < (ulong)src[i] << 32 ? 1f : 0f;
            dest[i + 1] = (r >> 32) * 255 < (ulong)src[i + 1] << 32 ? 1f : 0f;
        }
        if (i < src.Length)
            dest[i] = (Mix(key) & 0xFFFFFFFFUL) * 255 < (ulong)src[i] << 32 ? 1f : 0f;
    }

    /// <summary>The instruction set this process draws with, chosen once at start-up.</summary>
    public static CounterBernoulliPath Path { get; } = Detect();

    /// <summary>The best path this machine supports. <c>DOTNET_EnableAVX512=0</c> turns the AVX-512 one off.</summary>
    public static CounterBernoulliPath Detect() =>
        Avx512F.IsSupported && Avx512DQ.IsSupported ? CounterBernoulliPath.Avx512
        : Avx2.IsSupported ? CounterBernoulliPath.Avx2
        : CounterBernoulliPath.Scalar;

    /// <summary>Whether <paramref name="path"/> can run on this machine (the scalar one always can).</summary>
    public static bool IsSupported(CounterBernoulliPath path) => path switch
    {
        CounterBernoulliPath.Avx512 => Detect() == CounterBernoulliPath.Avx512,
        CounterBernoulliPath.Avx2 => Detect() != CounterBernoulliPath.Scalar,
        _ => true,
    };

    /// <summary>The draws of <see cref="Naive"/>, bit for bit, on the instruction set of <see cref="Path"/>.</summary>
    public static void Fill(ReadOnlySpan<byte> src, ulong key, Span<float> dest) => Fill(Path, src, key, dest);

    /// <summary>The draws of <see cref="Naive"/> on a chosen instruction set (tests and benchmarks compare them);
    /// throws <see cref="PlatformNotSupportedException"/> when this machine lacks it.</summary>
    public static void Fill(CounterBernoulliPath path, ReadOnlySpan<byte> src, ulong key, Span<float> dest)
    {
        if (dest.Length != src.Length) throw new ArgumentException("dest and src lengths differ", nameof(dest));
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"{path} is not supported on this machine");
        if (path == CounterBernoulliPath.Scalar) { Naive(src, key, dest); return; }
        int i = 0;
        fixed (byte* s = src)
        fixed (float* d = dest)
        {
            i = path == CounterBernoulliPath.Avx512 ? Fill512(s, key, d, src.Length) : Fill256(s, key, d, src.Length);
        }
        // The tail: pixels from i on (fewer than 16), i even, hash counter i/2 + 1 onwards.
        ulong c = (ulong)i / 2 + 1;
        for (; i <= src.Length - 2; i += 2, c++)
        {
            ulong r = Mix(key + c * Step);
            dest[i] = (r & 0xFFFFFFFFUL) * 255 < (ulong)src[i] << 32 ? 1f : 0f;
            dest[i + 1] = (r >> 32) * 255 < (ulong)src[i + 1] << 32 ? 1f : 0f;
        }
        if (i < src.Length)
            dest[i] = (Mix(key) & 0xFFFFFFFFUL) * 255 < (ulong)src[i] << 32 ? 1f : 0f;
    }

    // The 32-bit comparison: for a byte s ≥ 1, u·255 < s·2³² ⟺ u ≤ s·(2³²−1)/255 = s·0x01010101 (as
    // 2³²/255 = 0x01010101 + 1/255 and 0 < s/255 ≤ 1), and s = 0 draws 0. Little-endian, the ulong hashes read as
    // uints are u_0, u_1, … in pixel order. Both loops return the first pixel they did not draw (even).

    private static int Fill512(byte* src, ulong key, float* dest, int n)
    {
        ulong c = Step;   // hash j is Mix(key + (j+1)·c)
        var z = Vector512.Create(key + c, key + 2 * c, key + 3 * c, key + 4 * c,
            key + 5 * c, key + 6 * c, key + 7 * c, key + 8 * c);
        var stride = Vector512.Create(8 * c);
        var one = Vector512.Create(1f).AsUInt32();
        var spread = Vector512.Create(0x01010101u);
        int i = 0;
        for (; i <= n - 16; i += 16, z += stride)
        {
            var u = Mix512(z).AsUInt32();
            var s = Avx512F.ConvertToVector512UInt32(Vector128.Load(src + i));
            var hit = Vector512.LessThanOrEqual(u, s * spread) & ~Vector512.Equals(s, Vector512<uint>.Zero);
            (hit & one).AsSingle().Store(dest + i);
        }
        return i;
    }

    private static int Fill256(byte* src, ulong key, float* dest, int n)
    {
        ulong c = Step;
        var z = Vector256.Create(key + c, key + 2 * c, key + 3 * c, key + 4 * c);
        var stride = Vector256.Create(4 * c);
        var one = Vector256.Create(1f).AsUInt32();
        var spread = Vector256.Create(0x01010101u);
        int i = 0;
        for (; i <= n - 8; i += 8, z += stride)
        {
            var u = Mix256(z).AsUInt32();
            var s = Avx2.ConvertToVector256Int32(src + i).AsUInt32();
            // u ≤ t as min(u, t) = u: AVX2 has no unsigned comparison, but has an unsigned minimum.
            var t = s * spread;
            var hit = Vector256.Equals(Avx2.Min(u, t), u) & ~Vector256.Equals(s, Vector256<uint>.Zero);
            (hit & one).AsSingle().Store(dest + i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Mix512(Vector512<ulong> z)
    {
        z = Avx512DQ.MultiplyLow(z ^ (z >> 30), Vector512.Create(0xBF58476D1CE4E5B9UL));
        z = Avx512DQ.MultiplyLow(z ^ (z >> 27), Vector512.Create(0x94D049BB133111EBUL));
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Mix256(Vector256<ulong> z)
    {
        z = MultiplyLow256(z ^ (z >> 30), 0xBF58476D1CE4E5B9UL);
        z = MultiplyLow256(z ^ (z >> 27), 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>The low 64 bits of a·b from three 32×32→64 multiplies (vpmuludq):
    /// a·b mod 2⁶⁴ = a_lo·b_lo + ((a_hi·b_lo + a_lo·b_hi) mod 2³²)·2³².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> MultiplyLow256(Vector256<ulong> a, ulong b)
    {
        var bLo = Vector256.Create(b & 0xFFFFFFFFUL).AsUInt32();
        var bHi = Vector256.Create(b >> 32).AsUInt32();
        var cross = Avx2.Multiply((a >> 32).AsUInt32(), bLo) + Avx2.Multiply(a.AsUInt32(), bHi);
        return Avx2.Multiply(a.AsUInt32(), bLo) + (cross << 32);
    }
}
