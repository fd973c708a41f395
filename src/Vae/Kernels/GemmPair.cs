namespace Vae.Kernels;

/// <summary>The operands of one product C (m,n) [+]= op(A)·op(B), as <see cref="Gemm.Multiply"/> takes them.</summary>
public readonly ref struct GemmArgs(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA,
    bool transB, Span<float> c)
{
    public readonly ReadOnlySpan<float> A = a, B = b;
    public readonly Span<float> C = c;
    public readonly int M = m, N = n, K = k;
    public readonly bool TransA = transA, TransB = transB;

    public long MultiplyAdds => (long)M * N * K;
}

public static unsafe partial class Gemm
{
    /// <summary>
    /// Two independent products, e.g. a layer's weight gradient and input gradient. With two or more threads each runs
    /// whole on its own core, which beats splitting each product in turn: no operand is packed twice and no core waits
    /// at the end of a small product. Each product is computed exactly as <see cref="Multiply"/> would (bit for bit),
    /// so results do not depend on this choice. C buffers must not overlap.
    /// </summary>
    public static void MultiplyConcurrently(GemmArgs first, GemmArgs second, bool accumulate, int threads = 0)
    {
        int t = threads == 0 ? Environment.ProcessorCount : threads;
        // Pair only products of similar size (else one core idles while the other finishes the big one).
        long small = Math.Min(first.MultiplyAdds, second.MultiplyAdds);
        long large = Math.Max(first.MultiplyAdds, second.MultiplyAdds);
        bool pair = t >= 2 && small >= SmallProduct && large <= 2 * small && !first.C.Overlaps(second.C);
        if (!pair)
        {
            Multiply(first.A, first.B, first.M, first.N, first.K, first.TransA, first.TransB, first.C, accumulate,
                threads);
            Multiply(second.A, second.B, second.M, second.N, second.K, second.TransA, second.TransB, second.C,
                accumulate, threads);
            return;
        }
        fixed (float* a1 = first.A, b1 = first.B, c1 = first.C, a2 = second.A, b2 = second.B, c2 = second.C)
        {
            var jobs = stackalloc PairPart[2];
            jobs[0] = new PairPart(a1, first.A.Length, b1, first.B.Length, c1, first.C.Length, first.M, first.N,
                first.K, first.TransA, first.TransB, accumulate);
            jobs[1] = new PairPart(a2, second.A.Length, b2, second.B.Length, c2, second.C.Length, second.M, second.N,
                second.K, second.TransA, second.TransB, accumulate);
            WorkerPool.Run(2, 2, &RunPairPart, jobs);
        }
    }

    private readonly struct PairPart(float* a, int aLength, float* b, int bLength, float* c, int cLength, int m, int n,
        int k, bool transA, bool transB, bool accumulate)
    {
        public readonly float* A = a, B = b, C = c;
        public readonly int ALength = aLength, BLength = bLength, CLength = cLength, M = m, N = n, K = k;
        public readonly bool TransA = transA, TransB = transB, Accumulate = accumulate;
    }

    /// <summary>One product of the pair, single-threaded on whichever thread claimed it.</summary>
    private static void RunPairPart(void* state, int part)
    {
        ref PairPart p = ref ((PairPart*)state)[part];
        var a = new ReadOnlySpan<float>(p.A, p.ALength);
        var b = new ReadOnlySpan<float>(p.B, p.BLength);
        var c = new Span<float>(p.C, p.CLength);
        Multiply(a, b, p.M, p.N, p.K, p.TransA, p.TransB, c, p.Accumulate, threads: 1);
    }
}
