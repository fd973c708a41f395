using System.Runtime.CompilerServices;

namespace Vae.Engine;

/// <summary>
/// The one seeded random source of a run: xoshiro256** (Blackman &amp; Vigna 2018) seeded through SplitMix64.
/// It drives initialisation, shuffling and the ε of the reparameterization trick. Its whole state is four words plus
/// a cached Gaussian, exported by <see cref="GetState"/> so that a resumed run continues the exact same sequence.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private bool _hasSpare;
    private float _spare;

    /// <summary>
    /// A generator for one purpose of a run: the same seed with different <paramref name="stream"/> numbers gives
    /// independent sequences (initialisation, shuffling, noise, evaluation), all reproducible from the one seed.
    /// </summary>
    public Rng(ulong seed, ulong stream = 0)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64() => Next(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>One xoshiro256** step on a state held anywhere (fields, or locals in a batch loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Next(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 random bits (every float of the form k/2^24).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public float NextUniform(float lo, float hi) => lo + (hi - lo) * NextFloat();

    /// <summary>Uniform whole number in [0, n), without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            UInt128 product = (UInt128)r * bound;
            if ((ulong)product >= threshold) return (int)(product >> 64);
        }
    }

    /// <summary>Standard normal by the Box–Muller transform; the second value of each pair is kept for the next
    /// call.</summary>
    public float NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1 = 1.0 - NextDouble(); // (0, 1]: log never sees 0
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = (float)(r * Math.Sin(2 * Math.PI * u2));
        _hasSpare = true;
        return (float)(r * Math.Cos(2 * Math.PI * u2));
    }

    public void FillGaussian(Span<float> dest)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = NextGaussian();
    }

    private double[] _uniforms = [];
    private float[] _normals = [];

    /// <summary>
    /// <see cref="FillGaussian(Span{float})"/> (its twin): the uniforms are drawn in stream order first (u₁ of
    /// every pair, then u₂), then <see cref="Kernels.BoxMuller.Transform"/> turns them into the same floats the C
    /// library would, on vector lanes and, for long fills, over <paramref name="threads"/> (0 = all cores). The same
    /// values in the same places, and the same state after.
    /// </summary>
    public unsafe void FillGaussian(Span<float> dest, int threads)
    {
        int start = 0;
        if (dest.Length > 0 && _hasSpare) { dest[0] = _spare; _hasSpare = false; start = 1; }
        int pairs = (dest.Length - start + 1) / 2;
        if (pairs == 0) return;
        if (_uniforms.Length < 2 * pairs) (_uniforms, _normals) = (new double[2 * pairs], new float[2 * pairs]);
        // As NextGaussian: u1 = 1 − NextDouble() in (0, 1], then u2 = NextDouble(); the state in locals.
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        for (int i = 0; i < pairs; i++)
        {
            _uniforms[i] = 1.0 - (Next(ref s0, ref s1, ref s2, ref s3) >> 11) * (1.0 / (1UL << 53));
            _uniforms[pairs + i] = (Next(ref s0, ref s1, ref s2, ref s3) >> 11) * (1.0 / (1UL << 53));
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
        fixed (float* z = _normals)
        fixed (double* u = _uniforms)
        {
            var body = new BoxMullerRange(u, u + pairs, z);
            // A pair costs about as much as 16 additions (~5 ns): the cut-off of RowParallel is counted in additions,
            // so a training step's 500 pairs stay on one thread and an IWAE k = 5 step's 2,500 are split.
            Kernels.RowParallel.For(ref body, pairs, 16L * pairs, threads);
        }
        _normals.AsSpan(0, dest.Length - start).CopyTo(dest[start..]);
        // As NextGaussian: the last pair's second value stays in _spare, handed out next only if the length was odd.
        _hasSpare = (dest.Length - start) % 2 == 1;
        _spare = _normals[2 * pairs - 1];
    }

    /// <summary>Pairs [start, end) of <see cref="FillGaussian(Span{float}, int)"/>.</summary>
    private readonly unsafe struct BoxMullerRange(double* u1, double* u2, float* z) : Kernels.IRangeBody
    {
        public void Run(int start, int end) => Kernels.BoxMuller.Transform(new ReadOnlySpan<double>(u1 + start,
            end - start), new ReadOnlySpan<double>(u2 + start, end - start), new Span<float>(z + 2 * start,
            2 * (end - start)));
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>The full state as text: four hex words, the spare flag and the spare's bits.</summary>
    public string GetState() =>
        $"{_s0:x16}-{_s1:x16}-{_s2:x16}-{_s3:x16}-{(_hasSpare ? 1 : 0)}-{BitConverter.SingleToUInt32Bits(_spare):x8}";

    public void SetState(string state)
    {
        var parts = state.Split('-');
        if (parts.Length != 6) throw new FormatException($"not an Rng state: '{state}'");
        ulong Word(int i) => Convert.ToUInt64(parts[i], 16);
        _s0 = Word(0); _s1 = Word(1); _s2 = Word(2); _s3 = Word(3);
        if (_s0 == 0 && _s1 == 0 && _s2 == 0 && _s3 == 0) throw new FormatException("an Rng state cannot be all zero");
        _hasSpare = parts[4] == "1";
        _spare = BitConverter.UInt32BitsToSingle(Convert.ToUInt32(parts[5], 16));
    }
}

/// <summary>Rng stream numbers: one purpose each, so that adding a use of randomness never shifts another.</summary>
public static class RngStreams
{
    public const ulong Init = 0, Shuffle = 1, Noise = 2, Evaluation = 3, Sampling = 4, Subset = 5;
}
