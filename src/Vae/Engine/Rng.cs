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

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
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

    /// <summary>
    /// <see cref="FillGaussian(Span{float})"/> (its twin) with the Box–Muller transform split over
    /// <paramref name="threads"/> (0 = all cores): the uniforms are drawn in stream order first, which is cheap, and
    /// then each pair's log, square root, cosine and sine — ~60 ns of libm a pair, a twentieth of an IWAE k = 5 step
    /// at the paper's batch — run in parallel. The same values in the same places, and the same state after.
    /// </summary>
    public unsafe void FillGaussian(Span<float> dest, int threads)
    {
        int start = 0;
        if (dest.Length > 0 && _hasSpare) { dest[0] = _spare; _hasSpare = false; start = 1; }
        int pairs = (dest.Length - start + 1) / 2;
        if (pairs == 0) return;
        if (_uniforms.Length < 2 * pairs) _uniforms = new double[2 * pairs];
        for (int i = 0; i < pairs; i++)
        {
            _uniforms[2 * i] = 1.0 - NextDouble();   // as NextGaussian: u1 in (0, 1], then u2
            _uniforms[2 * i + 1] = NextDouble();
        }
        float spare = 0;
        fixed (float* d = dest)
        fixed (double* u = _uniforms)
        {
            var body = new BoxMuller(u, d + start, dest.Length - start, &spare);
            // A pair costs about as much as 64 additions: the cut-off of RowParallel is counted in additions.
            Kernels.RowParallel.For(ref body, pairs, 64L * pairs, threads);
        }
        // As NextGaussian: the last pair's second value stays in _spare, handed out next only if the length was odd.
        _hasSpare = (dest.Length - start) % 2 == 1;
        _spare = _hasSpare ? spare : dest[^1];
    }

    /// <summary>Pairs [start, end): dest[2i] = r·cos θ, dest[2i+1] = r·sin θ (the spare past the end).</summary>
    private readonly unsafe struct BoxMuller(double* u, float* dest, int length, float* spare) : Kernels.IRangeBody
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                double r = Math.Sqrt(-2.0 * Math.Log(u[2 * i]));
                dest[2 * i] = (float)(r * Math.Cos(2 * Math.PI * u[2 * i + 1]));
                float second = (float)(r * Math.Sin(2 * Math.PI * u[2 * i + 1]));
                if (2 * i + 1 < length) dest[2 * i + 1] = second;
                else *spare = second;
            }
        }
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
