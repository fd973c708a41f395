using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vae.Kernels;

/// <summary>The instruction sets <see cref="Gemm"/> has a micro-kernel for.</summary>
public enum GemmPath
{
    /// <summary><see cref="Vector{T}"/>: any CPU .NET vectorises (ARM NEON, x86 without FMA).</summary>
    Portable,
    /// <summary>x86 AVX2 with fused multiply-add, <see cref="Vector256{T}"/>.</summary>
    Avx2,
    /// <summary>x86 AVX-512F, <see cref="Vector512{T}"/>.</summary>
    Avx512,
}

/// <summary>
/// Single-precision matrix product C (m,n) = [C +] op(A) (m,k) · op(B) (k,n), all row-major.
/// A is stored (m,k), or (k,m) when <c>transA</c>; B is stored (k,n), or (n,k) when <c>transB</c>.
/// <see cref="Naive"/> is the algorithmic reference; <see cref="Multiply"/> is the fast path, built the classic
/// Goto/BLIS way: copy ("pack") blocks of A and B into small contiguous panels, then let a register-blocked
/// micro-kernel compute an MR×NR tile of C from them with broadcast-times-vector FMAs.
/// </summary>
public static unsafe partial class Gemm
{
    // Below this many multiply-adds waking a second thread costs more than it saves.
    private const long SmallProduct = 64 * 1024;
    private const int PartsPerThread = 2;
    // Below this many multiply-adds one strip per thread: a second one costs a repack of the uncut operand and another
    // ramp of the micro-kernel, more than the balance it buys. Measured at the paper's batch of 20 (products of
    // 0.2–3.1 M multiply-adds), 2 threads, Cascade Lake: the step's ten products 16–28% faster, the step 8–10%.
    private const long OneStripPerThread = 4_000_000;

    // Cache blocking. A KC×NR panel of B (24 KB) stays in L1 while the micro-kernel sweeps an MC×KC block of A (L2).
    // K is split into equal blocks that depend only on k, so every C element sees the same summation order
    // whatever the number of threads: results are bit-identical for any thread count.
    private const int KcMax = 192, McMax = 192, NcMax = 1536;

    // Up to this many K blocks (K ≤ 3,072) a product of few rows is split by K blocks over the threads, each block's
    // product into its own buffer of m·n floats, all of them at most MaxSplitKFloats (4 MB, kept per thread). Cut by
    // columns, both threads would read every row of W, the rows the other core's optimizer last wrote (the weight
    // gradient and the forward product split W by rows): at the paper's batch of 20, cutting by K made the training
    // step 2–10% faster on AVX-512 and 1–6% on AVX2 in most alternations on Cascade Lake (2 threads;
    // docs/benchmarks.md). Results stay bit-identical: see SumPartials.
    private const int MaxSplitKBlocks = 16, MaxSplitKFloats = 1 << 20;

    /// <summary>The threads a product of <paramref name="multiplyAdds"/> runs on: all cores for 0, and one below
    /// <see cref="SmallProduct"/>.</summary>
    private static int ThreadsFor(long multiplyAdds, int threads) =>
        multiplyAdds < SmallProduct ? 1 : threads == 0 ? Environment.ProcessorCount : threads;

    private static int KBlocks(int k) => (k + BlockSize(k, KcMax, 1) - 1) / BlockSize(k, KcMax, 1);

    /// <summary>
    /// Whether a plain product (no sink, no bias) on <paramref name="threads"/> threads (0 = all cores) is cut by K
    /// blocks: a few rows times a deep, row-major B (a layer's input gradient dY·W at a small batch),
    /// each thread taking whole K blocks, i.e. whole rows of W, into its own partial product, summed after. With fewer
    /// K blocks than threads the column cut keeps every thread busy instead.
    /// </summary>
    internal static bool SplitsByK(int m, int n, int k, bool transB, int threads)
    {
        int kBlocks = KBlocks(k), t = ThreadsFor((long)m * n * k, threads);
        return t > 1 && m <= DirectBMaxRows && !transB && kBlocks >= t && kBlocks <= MaxSplitKBlocks
            && (long)kBlocks * m * n <= MaxSplitKFloats && SplitFewRowsByK;
    }

    /// <summary>Whether a product of few rows times a deep row-major B is cut over the threads by K blocks (the
    /// default) or, as other products, by columns. Both give the same bits; <c>vae bench train --split-k both</c>
    /// alternates them to measure the difference.</summary>
    public static bool SplitFewRowsByK { get; set; } = true;

    // Up to this many rows of A, B (row-major, not transposed) is read in place rather than packed. At the paper's
    // batch of 20 its input-gradient products dY·W were 3–25% faster in 15 of 16 min/median pairs (both instruction
    // sets, 8 alternations, Cascade Lake); at 40 rows and more the packed panels were as fast or faster (batch 128: 30%).
    internal const int DirectBMaxRows = 24;

    /// <summary>The reference: a plain triple loop.</summary>
    public static void Naive(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA,
        bool transB, Span<float> c, bool accumulate)
    {
        Validate(a.Length, b.Length, c.Length, m, n, k, threads: 1);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = accumulate ? c[i * n + j] + sum : sum;
            }
    }

    /// <summary>The instruction set this process multiplies with, chosen once at start-up.</summary>
    public static GemmPath Path { get; } = Detect();

    /// <summary>The best path this machine supports: AVX-512, else AVX2 + FMA, else portable Vector&lt;T&gt;.</summary>
    /// <remarks>Asks <c>Avx512F.IsSupported</c>, not <c>Vector512.IsHardwareAccelerated</c>: the JIT reports the
    /// latter as false on Skylake-X/Cascade Lake (whose 512-bit units lower the clock), yet our 8×32 kernel is still
    /// the fastest there (docs/benchmarks.md). <c>DOTNET_EnableAVX512=0</c> turns AVX-512 off for the JIT, and this
    /// path with it.</remarks>
    public static GemmPath Detect() =>
        Avx512F.IsSupported ? GemmPath.Avx512
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported ? GemmPath.Avx2
        : GemmPath.Portable;

    /// <summary>Whether <paramref name="path"/> can run on this machine (the portable one always can).</summary>
    public static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Avx512 => Detect() == GemmPath.Avx512,
        GemmPath.Avx2 => Detect() != GemmPath.Portable,
        _ => true,
    };

    /// <summary>A one-line description of a path, for benchmark output: its instruction set and micro-tile.</summary>
    public static string Describe(GemmPath path) => path switch
    {
        GemmPath.Avx512 => $"AVX-512 (Vector512, {Avx512Kernel.MR}x{Avx512Kernel.NR} tile)",
        GemmPath.Avx2 => $"AVX2+FMA (Vector256, {Avx2Kernel.MR}x{Avx2Kernel.NR} tile)",
        _ => $"portable (Vector<float> of {Vector<float>.Count}, {PortableKernel.MR}x{PortableKernel.NR} tile)",
    };

    /// <summary>The fast path on the instruction set of <see cref="Path"/>.
    /// <paramref name="threads"/>: 0 = all cores, else that many.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA,
        bool transB, Span<float> c, bool accumulate, int threads = 0) =>
        Multiply(Path, a, b, m, n, k, transA, transB, c, accumulate, threads);

    /// <summary>The fast path on a chosen instruction set (tests and benchmarks compare them); throws
    /// <see cref="PlatformNotSupportedException"/> when this machine lacks it.</summary>
    public static void Multiply(GemmPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k,
        bool transA, bool transB, Span<float> c, bool accumulate, int threads = 0) =>
        RunOn(path, a, b, m, n, k, transA, transB, c, accumulate, threads, default, null);

    /// <summary>
    /// C = op(A)·op(B) + bias, the bias row (n values) added to every row of the finished product: a dense layer's
    /// x·Wᵀ + b in one pass over C, while each tile is in cache. The bits of <see cref="Multiply"/> followed by adding
    /// the bias (each element's sum is complete before its bias is added).
    /// </summary>
    public static void MultiplyAddBias(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, int m,
        int n, int k, bool transA, bool transB, Span<float> c, int threads = 0) =>
        MultiplyAddBias(Path, a, b, bias, m, n, k, transA, transB, c, threads);

    /// <summary>The bias form on a chosen instruction set (tests compare them).</summary>
    public static void MultiplyAddBias(GemmPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        ReadOnlySpan<float> bias, int m, int n, int k, bool transA, bool transB, Span<float> c, int threads = 0)
    {
        if (bias.Length != n)
            throw new ArgumentException($"bias has {bias.Length} values, n = {n} needed", nameof(bias));
        fixed (float* pbias = bias) RunOn(path, a, b, m, n, k, transA, transB, c, false, threads, default, pbias);
    }

    /// <summary>
    /// op(A)·op(B) with every finished strip of rows (MR rows of C, a thread's columns) handed to
    /// <paramref name="sink"/> instead of stored in a C: the products of <see cref="Multiply"/>, bit for bit (the strip
    /// holds what a zeroed C would hold after the call). K must fit one block (1 ≤ k ≤ <see cref="MaxSinkK"/>), so
    /// that a strip is final when the micro-kernel returns it.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA,
        bool transB, TileSink sink, int threads = 0) => Multiply(Path, a, b, m, n, k, transA, transB, sink, threads);

    /// <summary>The sink form on a chosen instruction set (tests compare them).</summary>
    public static void Multiply(GemmPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k,
        bool transA, bool transB, TileSink sink, int threads = 0)
    {
        if (!sink.IsSet) throw new ArgumentException("the tile sink has no function", nameof(sink));
        RunOn(path, a, b, m, n, k, transA, transB, default, false, threads, sink, null);
    }

    /// <summary>The product on <paramref name="path"/>'s micro-kernel; a sink or a bias when given.</summary>
    private static void RunOn(GemmPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k,
        bool transA, bool transB, Span<float> c, bool accumulate, int threads, TileSink sink, float* bias)
    {
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"{path} is not supported on this machine");
        switch (path)
        {
            case GemmPath.Avx512:
                Run<Avx512Kernel>(a, b, m, n, k, transA, transB, c, accumulate, threads, sink, bias); break;
            case GemmPath.Avx2:
                Run<Avx2Kernel>(a, b, m, n, k, transA, transB, c, accumulate, threads, sink, bias); break;
            default:
                Run<PortableKernel>(a, b, m, n, k, transA, transB, c, accumulate, threads, sink, bias); break;
        }
    }

    /// <summary>The largest K a <see cref="TileSink"/> product takes: one cache block of K.</summary>
    public const int MaxSinkK = KcMax;

    private static void Validate(int aLength, int bLength, int cLength, int m, int n, int k, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (aLength < (long)m * k)
            throw new ArgumentException($"A has {aLength} elements, m·k = {(long)m * k} needed", "a");
        if (bLength < (long)k * n)
            throw new ArgumentException($"B has {bLength} elements, k·n = {(long)k * n} needed", "b");
        if (cLength < (long)m * n)
            throw new ArgumentException($"C has {cLength} elements, m·n = {(long)m * n} needed", "c");
    }

    /// <summary>Everything a thread needs to compute its part of C; lives on the caller's stack during the
    /// call.</summary>
    private struct Job
    {
        public float* A, B, C;
        public int M, N, K, Parts;
        public bool TransA, TransB, Accumulate, SplitRows;
        public TileSink Sink;
        public float* Bias;
        public float* Partials; // K split: block b's product goes to Partials + b·M·N (null: not split)
        public int Tiles, Taken; // claimed cut: tiles to share out, and how many the two threads have claimed so far
        public bool Claim;
    }

    private static void Run<TK>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA,
        bool transB, Span<float> c, bool accumulate, int threads, TileSink sink, float* bias)
        where TK : struct, IMicroKernel
    {
        Validate(a.Length, b.Length, sink.IsSet ? int.MaxValue : c.Length, m, n, k, threads);
        if (sink.IsSet && (k == 0 || k > KcMax))
            throw new ArgumentOutOfRangeException(nameof(k),
                $"a tile sink needs 1 <= k <= {KcMax} (one K block), got {k}");
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            if (bias != null)   // 0 + b
                for (int i = 0; i < m; i++) new ReadOnlySpan<float>(bias, n).CopyTo(c.Slice(i * n, n));
            return;
        }
        int t = ThreadsFor((long)m * n * k, threads);

        // C is cut into strips of whole MR×NR tiles (rows or columns), so no element is shared between threads.
        // PartsPerThread strips per thread let a thread that starts late (the other core busy) take fewer of them
        // (large products only, see OneStripPerThread). On 2 threads a product whose uncut operand each thread can
        // pack once is instead cut in two strips shared out tile by tile from both ends (ClaimTiles), at any size.
        int tilesM = (m + TK.MR - 1) / TK.MR, tilesN = (n + TK.NR - 1) / TK.NR;
        int parts = t == 1 ? 1 : t * ((long)m * n * k < OneStripPerThread ? 1 : PartsPerThread);
        bool claim = t == 2 && ClaimTiles && Claimable<TK>(m, n, k, CutsRows<TK>(m, n, k, 2, sink.IsSet));
        if (claim) parts = 2;
        bool splitRows = CutsRows<TK>(m, n, k, parts, sink.IsSet);
        int kBlocks = KBlocks(k);
        bool splitK = !sink.IsSet && bias == null && SplitsByK(m, n, k, transB, threads);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new Job
            {
                A = pa, B = pb, C = pc, M = m, N = n, K = k,
                TransA = transA, TransB = transB, Accumulate = accumulate, SplitRows = splitRows,
                Parts = Math.Min(parts, splitRows ? tilesM : tilesN), Sink = sink, Bias = bias,
            };
            if (splitK)
            {
                job.Parts = kBlocks;
                job.Partials = PackBuffers.Partials(kBlocks * m * n);
                WorkerPool.Run(kBlocks, t, &RunPart<TK>, &job);
                SumPartials(job.Partials, kBlocks, m * n, pc, accumulate);
            }
            else if (job.Parts == 1) Compute<TK>(ref job, 0, m, 0, n);
            else
            {
                job.Claim = claim && job.Parts == 2;
                job.Tiles = splitRows ? tilesM : tilesN;
                if (job.Claim) Interlocked.Increment(ref _claimedCalls);
                WorkerPool.Run(job.Parts, t, &RunPart<TK>, &job);
            }
        }
    }

    /// <summary>
    /// Whether C is cut into strips of rows (else of columns) when cut in <paramref name="parts"/>: the cut with the
    /// smaller cost per strip, its multiply-adds (at ~32 per cycle) plus its packing (each strip packs all of the
    /// operand it does not cut). A sink is given whole rows when each thread takes whole rows: for an optimizer, one
    /// contiguous run per strip.
    /// </summary>
    private static bool CutsRows<TK>(int m, int n, int k, int parts, bool sink) where TK : struct, IMicroKernel
    {
        int tilesM = (m + TK.MR - 1) / TK.MR, tilesN = (n + TK.NR - 1) / TK.NR;
        if (sink && tilesM >= parts) return true;
        long stripM = Math.Min(m, (tilesM + parts - 1) / parts * TK.MR);
        long stripN = Math.Min(n, (tilesN + parts - 1) / parts * TK.NR);
        return stripM * n * k / 32 + k * (n + stripM) <= stripN * m * k / 32 + k * (m + stripN);
    }

    /// <summary>Whether each thread can pack a product's uncut operand once for all its tiles: B (cut by rows) when
    /// it is one block, A (cut by columns) when its K blocks fit <see cref="MaxCachedAFloats"/>.</summary>
    private static bool Claimable<TK>(int m, int n, int k, bool rows) where TK : struct, IMicroKernel =>
        rows ? n <= NcMax && k <= KcMax
            : m <= McMax && (long)((m + TK.MR - 1) / TK.MR * TK.MR) * k <= MaxCachedAFloats;

    /// <summary>
    /// Whether a product cut in one strip per thread (2 threads) is shared out tile by tile instead: the caller takes
    /// tiles from the front, the worker from the back, in chunks that shrink as the tiles run out, until they meet.
    /// Same bits: every element is computed alike whichever thread takes its tile.
    /// </summary>
    /// <remarks>
    /// The two vCPUs of a VM do not keep one speed: timing every call of a 2-thread step (Cascade Lake guest) found the
    /// caller waiting 0.2–0.4 µs at the median but 30–75 µs (a whole strip's time) at the 90th percentile of the four
    /// largest products, and in one run 35–60 µs at the median. Fixed halves make the faster thread wait for the
    /// slower one. More, smaller strips claimed by whoever is free lost 2–9%: each strip repacked the operand it does
    /// not cut. Here each thread packs that operand once (for A, every K block of it, kept in
    /// <see cref="PackBuffers"/>) and each end keeps the rows of W it took before, which its cache holds. Larger
    /// products, which had two strips per thread, take this cut too: the default model's step at batch 128 ran
    /// 11–27% faster with it (medians, alternated in one process).
    /// </remarks>
    public static bool ClaimTiles { get; set; } = true;

    /// <summary>Products run with <see cref="ClaimTiles"/> so far (tests check the cut was taken).</summary>
    internal static long ClaimedCalls => Interlocked.Read(ref _claimedCalls);
    private static long _claimedCalls;

    // The whole of a column-cut product's A is packed once per thread only if it is at most this many floats (1 MB):
    // the default model's forward at batch 128 (128×784) fits.
    private const long MaxCachedAFloats = 1 << 18;

    /// <summary>
    /// One thread's share of a claimed cut: chunks of a quarter of the tiles still free (at least one), from the front
    /// (part 0) or the back (part 1). The claims add up on one counter and never pass the tile count, so the front and
    /// the back never take the same tile. The first chunk packs the uncut operand; the later ones reuse it.
    /// </summary>
    private static void ClaimAndCompute<TK>(ref Job job, bool fromBack) where TK : struct, IMicroKernel
    {
        int done = 0; // tiles this thread has taken
        float* aCache = job.SplitRows ? null
            : PackBuffers.ACache((int)((job.M + TK.MR - 1) / TK.MR * TK.MR * (long)job.K));
        while (true)
        {
            int left = job.Tiles - Volatile.Read(ref job.Taken);
            if (left <= 0) return;
            int want = Math.Max(1, left / 4);
            int before = Interlocked.Add(ref job.Taken, want) - want;
            int take = Math.Min(want, job.Tiles - before);
            if (take <= 0) return;
            int t0 = fromBack ? job.Tiles - done - take : done, t1 = t0 + take;
            if (job.SplitRows)
                Compute<TK>(ref job, t0 * TK.MR, Math.Min(job.M, t1 * TK.MR), 0, job.N, reuse: done > 0);
            else
                Compute<TK>(ref job, 0, job.M, t0 * TK.NR, Math.Min(job.N, t1 * TK.NR), reuse: done > 0,
                    aCache: aCache);
            done += take;
        }
    }

    private static void RunPart<TK>(void* state, int part) where TK : struct, IMicroKernel
    {
        ref Job job = ref Unsafe.AsRef<Job>(state);
        if (job.Partials != null) Compute<TK>(ref job, 0, job.M, 0, job.N, kBlock: part);
        else if (job.Claim) ClaimAndCompute<TK>(ref job, fromBack: part == 1);
        else if (job.SplitRows)
        {
            int tiles = (job.M + TK.MR - 1) / TK.MR;
            int i0 = tiles * part / job.Parts * TK.MR, i1 = Math.Min(job.M, tiles * (part + 1) / job.Parts * TK.MR);
            Compute<TK>(ref job, i0, i1, 0, job.N);
        }
        else
        {
            int tiles = (job.N + TK.NR - 1) / TK.NR;
            int j0 = tiles * part / job.Parts * TK.NR, j1 = Math.Min(job.N, tiles * (part + 1) / job.Parts * TK.NR);
            Compute<TK>(ref job, 0, job.M, j0, j1);
        }
    }

    /// <summary>C[i0..i1, j0..j1] on the calling thread: the five Goto loops around the micro-kernel.</summary>
    /// <remarks>This and the kernels and packers it calls are compiled fully optimised at their first call
    /// (<c>AggressiveOptimization</c>): on a busy machine the tiered JIT's background recompile came late enough
    /// that whole benchmark runs and the first training steps ran unoptimised code at ~10 GFLOP/s.</remarks>
    /// <param name="reuse">This thread's buffers already hold the uncut operand of this product, packed by an earlier
    /// call for the same job (<see cref="ClaimAndCompute"/>): B when the cut is by rows, A (in
    /// <paramref name="aCache"/>) when by columns.</param>
    /// <param name="aCache">Where A is packed, every K block of it one after the other (null: the per-block
    /// buffer).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute<TK>(ref Job job, int i0, int i1, int j0, int j1, int kBlock = -1, bool reuse = false,
        float* aCache = null)
        where TK : struct, IMicroKernel
    {
        int MR = TK.MR, NR = TK.NR, k = job.K, ldc = job.N;
        int kc0 = BlockSize(k, KcMax, 1), mc0 = BlockSize(i1 - i0, McMax, MR), nc0 = BlockSize(j1 - j0, NcMax, NR);
        int pcFirst = kBlock < 0 ? 0 : kBlock * kc0, pcEnd = kBlock < 0 ? k : Math.Min(k, pcFirst + kc0);
        float* cBase = kBlock < 0 ? job.C : job.Partials + (long)kBlock * job.M * job.N;
        bool accumulate = kBlock < 0 && job.Accumulate;
        // Sized for the largest blocks rather than this call's: which thread runs which strip varies from call to call,
        // and a buffer that fits any of them is allocated once per thread and never again.
        float* packA = PackBuffers.A((McMax + MR) * KcMax), packB = PackBuffers.B((NcMax + NR) * KcMax);
        float* tile = stackalloc float[MR * NR];
        // A few rows of A use each panel of B only a few times: then a row-major B is read where it lies (the kernels
        // take its row stride) instead of copied into panels first. Same values, same order: the same bits.
        bool directB = !job.TransB && job.M <= DirectBMaxRows;

        for (int jc = j0; jc < j1; jc += nc0)
        {
            int nc = Math.Min(nc0, j1 - jc);
            for (int pc = pcFirst; pc < pcEnd; pc += kc0)
            {
                int kc = Math.Min(kc0, k - pc);
                bool load = accumulate || pc > pcFirst; // later K blocks add onto what the earlier ones stored
                float* bBlock = job.B + (long)pc * job.N + jc; // op(B)[pc, jc] when B is read in place
                bool packsB = !(reuse && job.SplitRows);
                if (!directB && packsB) PackB<TK>(ref job, pc, kc, jc, nc, packB);
                else if (nc % NR != 0 && packsB) // the last, narrower panel is still packed: zero-padded to NR columns
                    CopyPanel(bBlock + nc / NR * NR, job.N, packB, kc, nc % NR, NR);
                for (int ic = i0; ic < i1; ic += mc0)
                {
                    int mc = Math.Min(mc0, i1 - ic);
                    if (aCache != null)
                    {
                        // Block pc of the whole A (one row block: m ≤ McMax), after the blocks before it.
                        packA = aCache + (long)(i1 - i0 + MR - 1) / MR * MR * pc;
                        if (!reuse) PackA<TK>(ref job, ic, mc, pc, kc, packA);
                    }
                    else PackA<TK>(ref job, ic, mc, pc, kc, packA);
                    if (job.Sink.IsSet)
                    {
                        SinkRows<TK>(ref job, packA, packB, bBlock, directB, ic, mc, jc, nc, kc);
                        continue;
                    }
                    for (int jr = 0; jr < nc; jr += NR)
                    {
                        int nr = Math.Min(NR, nc - jr);
                        float* b = !directB ? packB + jr * kc : nr == NR ? bBlock + jr : packB;
                        int ldb = directB && nr == NR ? job.N : NR;
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mr = Math.Min(MR, mc - ir);
                            float* cTile = cBase + (long)(ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR)
                            {
                                TK.Run(packA + ir * kc, b, ldb, kc, cTile, ldc, load);
                            }
                            else if (mr == TK.HalfRows && nr == NR)
                            {
                                TK.RunHalf(packA + ir * kc, b, ldb, kc, cTile, ldc, load);
                            }
                            else
                            {
                                // Edge tile: the panels are zero-padded, so compute a full (or half-width) tile aside
                                // and add its valid part.
                                if (nr <= NR / 2) TK.RunNarrow(packA + ir * kc, b, ldb, kc, tile, NR, load: false);
                                else TK.Run(packA + ir * kc, b, ldb, kc, tile, NR, load: false);
                                for (int r = 0; r < mr; r++)
                                    AddRow(tile + r * NR, cTile + (long)r * ldc, nr, load);
                            }
                            if (job.Bias != null && pc + kc == k) // the tile's sums are complete: + b, still in L1
                                for (int r = 0; r < mr; r++)
                                    AddRow(job.Bias + jc + jr, cTile + (long)r * ldc, nr, load: true);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The sink's order: one MR-row strip of C at a time, all its column panels, then the whole strip (MR × nc, rows
    /// nc apart in a per-thread buffer) to the sink. When the strip spans whole rows of C it has C's own layout, so a
    /// sink that mirrors C in memory (an optimizer: weights and moments) walks one contiguous run per strip, which
    /// the hardware prefetches; tile by tile down the columns it jumped a row length between tiles and waited on
    /// memory. One K block (checked by the caller), so each strip is final.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SinkRows<TK>(ref Job job, float* packA, float* packB, float* bBlock, bool directB, int ic,
        int mc, int jc, int nc, int kc) where TK : struct, IMicroKernel
    {
        int MR = TK.MR, NR = TK.NR;
        float* strip = PackBuffers.Strip(MR * (NcMax + NR));
        float* tile = stackalloc float[MR * NR];
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            for (int jr = 0; jr < nc; jr += NR)
            {
                int nr = Math.Min(NR, nc - jr);
                float* b = !directB ? packB + jr * kc : nr == NR ? bBlock + jr : packB;
                int ldb = directB && nr == NR ? job.N : NR;
                if (nr == NR && mr == MR) TK.Run(packA + ir * kc, b, ldb, kc, strip + jr, nc, load: false);
                else if (nr == NR && mr == TK.HalfRows) TK.RunHalf(packA + ir * kc, b, ldb, kc, strip + jr, nc, false);
                else
                {
                    // A short tile (zero-padded panels) is computed aside: stored in place its padding would run into
                    // the next row of the strip.
                    if (nr <= NR / 2) TK.RunNarrow(packA + ir * kc, b, ldb, kc, tile, NR, load: false);
                    else TK.Run(packA + ir * kc, b, ldb, kc, tile, NR, load: false);
                    for (int r = 0; r < mr; r++) AddRow(tile + r * NR, strip + r * nc + jr, nr, load: false);
                }
            }
            job.Sink.Take(ic + ir, jc, strip, nc, mr, nc);
        }
    }

    /// <summary>C = (accumulate ? C : 0) + P₀ + P₁ + …, one K block's product Pᵦ after another: the order in which
    /// one thread's K loop adds them (each block's sum starts from zero in the micro-kernel and is then added onto C),
    /// so the split gives the same bits. NaNs aside: when NaNs of different payloads (or signs) from different K
    /// blocks meet, x86 keeps the first operand's, and which that is follows the JIT's choice of memory operand (one
    /// thread keeps the last block's NaN in a full tile, the first block's in an edge tile; this sum the first).
    /// A NaN stays a NaN.</summary>
    private static void SumPartials(float* partials, int blocks, int count, float* c, bool accumulate)
    {
        int j = 0, w = Vector<float>.Count;
        for (; j <= count - w; j += w)
        {
            var sum = accumulate ? Vector.Load(c + j) + Vector.Load(partials + j) : Vector.Load(partials + j);
            for (int b = 1; b < blocks; b++) sum += Vector.Load(partials + (long)b * count + j);
            Vector.Store(sum, c + j);
        }
        for (; j < count; j++)
        {
            float sum = accumulate ? c[j] + partials[j] : partials[j];
            for (int b = 1; b < blocks; b++) sum += partials[(long)b * count + j];
            c[j] = sum;
        }
    }

    /// <summary>Splits <paramref name="size"/> into equal blocks of at most <paramref name="max"/>, rounded up to
    /// <paramref name="unit"/>.</summary>
    private static int BlockSize(int size, int max, int unit)
    {
        int blocks = Math.Max(1, (size + max - 1) / max);
        int block = (size + blocks - 1) / blocks;
        return (block + unit - 1) / unit * unit;
    }

    /// <summary>dst = (load ? dst : 0) + src, for an edge tile (same rounding as the full-tile store).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRow(float* src, float* dst, int count, bool load)
    {
        int j = 0;
        for (; j <= count - Vector<float>.Count; j += Vector<float>.Count)
            Vector.Store(load ? Vector.Load(dst + j) + Vector.Load(src + j) : Vector.Load(src + j), dst + j);
        for (; j < count; j++) dst[j] = load ? dst[j] + src[j] : src[j];
    }

    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into MR-row panels, each stored k-major (the MR values of one k together)
    /// and zero-padded to MR rows, so the micro-kernel reads A with unit stride whatever the transpose.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA<TK>(ref Job job, int i0, int mc, int p0, int kc, float* dst)
        where TK : struct, IMicroKernel
    {
        int MR = TK.MR;
        for (int ir = 0; ir < mc; ir += MR, dst += MR * kc)
        {
            int rows = Math.Min(MR, mc - ir);
            if (job.TransA) // stored (k,m): the values of one k are already contiguous
                CopyPanel(job.A + (long)p0 * job.M + i0 + ir, job.M, dst, kc, rows, MR);
            else // stored (m,k): a transpose
                TransposePanel(job.A + (long)(i0 + ir) * job.K + p0, job.K, dst, kc, rows, MR);
        }
    }

    /// <summary>Packs op(B)[p0..p0+kc, j0..j0+nc] into NR-column panels, k-major, zero-padded to NR columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB<TK>(ref Job job, int p0, int kc, int j0, int nc, float* dst)
        where TK : struct, IMicroKernel
    {
        int NR = TK.NR;
        for (int jr = 0; jr < nc; jr += NR, dst += NR * kc)
        {
            int cols = Math.Min(NR, nc - jr);
            if (job.TransB) // stored (n,k): a transpose
                TransposePanel(job.B + (long)(j0 + jr) * job.K + p0, job.K, dst, kc, cols, NR);
            else // stored (k,n): rows are contiguous
                CopyPanel(job.B + (long)p0 * job.N + j0 + jr, job.N, dst, kc, cols, NR);
        }
    }

    /// <summary>dst[p*width + x] = src[p*ld + x] for x &lt; count, 0 for count ≤ x &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyPanel(float* src, int ld, float* dst, int kc, int count, int width)
    {
        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            int x = 0;
            for (; x <= count - Vector<float>.Count; x += Vector<float>.Count)
                Vector.Store(Vector.Load(src + x), dst + x);
            for (; x < count; x++) dst[x] = src[x];
            for (; x < width; x++) dst[x] = 0;
        }
    }

    /// <summary>dst[p*width + x] = src[x*ld + p] for x &lt; count, 0 for count ≤ x &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposePanel(float* src, int ld, float* dst, int kc, int count, int width)
    {
        if (Avx.IsSupported && width < 8)
        {
            // A panel narrower than a vector (the AVX2 kernel's 6 rows of A, the portable kernel's 4): 8 k at a time as
            // an 8×8 block whose missing rows are zeros, each result row stored 8 wide at its place width apart, in k
            // order. A store runs 8 − width zeros into the next row (or the next panel), which the next store then
            // overwrites, and zeros are the padding anyway; the pack buffers have MR·KC floats to spare at the end.
            int p = 0;
            for (; p <= kc - 8; p += 8) Transpose8x8(src + p, ld, count, dst + p * width, width);
            for (; p < kc; p++)
                for (int r = 0; r < width; r++) dst[p * width + r] = r < count ? src[(long)r * ld + p] : 0f;
            return;
        }
        if (count < width) new Span<float>(dst, kc * width).Clear();
        int x = 0;
        // Packing B of x·Wᵀ transposes the whole weight matrix, and at the VAE's batch of 128 each B element is used
        // only 128 times: element by element this pack took about a quarter of the product (128×400×784 Bᵀ ran at
        // ~70–100 instead of ~130 GFLOP/s), so move 8×8 blocks through registers (x86; elsewhere the loop below).
        if (Avx.IsSupported)
        {
            for (; x <= count - 8; x += 8)
            {
                float* s = src + (long)x * ld, d = dst + x;
                int p = 0;
                for (; p <= kc - 8; p += 8) Transpose8x8(s + p, ld, d + p * width, width);
                // The last kc mod 8 values of k: one more 8×8 block ending at kc, which writes some already-packed
                // values again (the same ones). Element by element this tail cost more than the blocks before it.
                if (p < kc && kc >= 8) Transpose8x8(s + kc - 8, ld, d + (kc - 8) * width, width);
                else
                    for (; p < kc; p++)
                        for (int r = 0; r < 8; r++) d[p * width + r] = s[(long)r * ld + p];
            }
        }
        for (; x < count; x++)
        {
            float* s = src + (long)x * ld, d = dst + x;
            for (int p = 0; p < kc; p++) d[p * width] = s[p];
        }
    }

    /// <summary>Writes the transpose of the 8×8 block at src (row stride ld) to dst (row stride ldd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int ld, float* dst, int ldd) =>
        Transpose8x8(Avx.LoadVector256(src), Avx.LoadVector256(src + ld), Avx.LoadVector256(src + 2 * ld),
            Avx.LoadVector256(src + 3 * ld), Avx.LoadVector256(src + 4 * ld), Avx.LoadVector256(src + 5 * ld),
            Avx.LoadVector256(src + 6 * ld), Avx.LoadVector256(src + 7 * ld), dst, ldd);

    /// <summary>The same for a block of only <paramref name="rows"/> (&lt; 8) rows, the others zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int ld, int rows, float* dst, int ldd)
    {
        Vector256<float> Row(int r) => r < rows ? Avx.LoadVector256(src + (long)r * ld) : Vector256<float>.Zero;
        Transpose8x8(Row(0), Row(1), Row(2), Row(3), Row(4), Row(5), Row(6), Row(7), dst, ldd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, int ldd)
    {
        // The classic three rounds: interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3),
            t3 = Avx.UnpackHigh(r2, r3), t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5),
            t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44),
            s3 = Avx.Shuffle(t1, t3, 0xEE), s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE),
            s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }

    /// <summary>
    /// Per-thread packing buffers, grown when needed and kept: a steady-state call allocates nothing.
    /// Pinned arrays so raw pointers into them stay valid; they die with their thread.
    /// </summary>
    private static class PackBuffers
    {
        [ThreadStatic] private static float[]? _a, _b, _strip, _partials, _aCache;

        public static float* A(int length) => Get(ref _a, length);
        // + 8: transposing an MR-row panel (MR < 8) stores 8 floats per k, up to 8 − MR past the last panel
        // (TransposePanel); the buffers above have MR·KC floats to spare for it.
        public static float* ACache(int length) => Get(ref _aCache, length + 8);
        public static float* B(int length) => Get(ref _b, length);
        public static float* Strip(int length) => Get(ref _strip, length);
        public static float* Partials(int length) => Get(ref _partials, length);

        private static float* Get(ref float[]? buffer, int length)
        {
            const int align = 64; // a cache line; also keeps the 512-bit loads of the micro-kernel aligned
            if (buffer == null || buffer.Length < length + align / sizeof(float))
                buffer = GC.AllocateUninitializedArray<float>(length + align / sizeof(float), pinned: true);
            nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (float*)((p + align - 1) & ~(nint)(align - 1));
        }
    }

    /// <summary>
    /// Asks for the cache lines of a C tile before the K loop, which then hides their latency. The micro-kernel visits
    /// C in tall strips (rows ldc apart), a pattern the hardware prefetcher does not follow: without this the weight
    /// gradient (400×784, only k = 128 deep) ran at 62 instead of 97 GFLOP/s (AVX-512, thread CPU time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + cols - 1);
            if (cols > 16) Sse.Prefetch0(c + 16);
        }
    }

    /// <summary>
    /// Computes one MR×NR tile of C from an MR-row panel of packed A and NR columns of B, rows ldb apart (NR for a
    /// packed panel, B's own row length when it is read in place):
    /// c = (load ? c : 0) + Σ_p a[p*MR + r] · b[p*ldb + x]. The tile lives in registers for the whole K loop.
    /// </summary>
    private interface IMicroKernel
    {
        static abstract int MR { get; }
        static abstract int NR { get; }
        static abstract void Run(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load);

        /// <summary>Rows of <see cref="RunHalf"/>: about half of MR.</summary>
        static abstract int HalfRows { get; }

        /// <summary>
        /// The first HalfRows rows of the tile only, straight into C: the last row panel of a product whose m is not a
        /// multiple of MR (20 rows at the paper's batch = 8 + 8 + 4) would otherwise compute a whole tile aside, half of it
        /// zero padding, and copy. Same order of operations per element as <see cref="Run"/>, so the same bits.
        /// </summary>
        static abstract void RunHalf(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load);

        /// <summary>
        /// The first NR/2 columns of the tile only: a last column panel of at most NR/2 columns (200 = 6·32 + 8 at the
        /// paper's layer width) at half the work of a whole tile, which is what such a panel cost before. Same order
        /// of operations per element as <see cref="Run"/>, so the same bits.
        /// </summary>
        static abstract void RunNarrow(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load);
    }

    /// <summary>
    /// 8×32 with AVX-512: 16 zmm accumulators, two loads of B and eight broadcasts of A (folded into the FMA as
    /// {1to16} memory operands) per k. 16 independent FMA chains cover the 4-cycle latency of two FMA pipes, and
    /// 8 rows divide the VAE batch of 128 evenly.
    /// </summary>
    private struct Avx512Kernel : IMicroKernel
    {
        public static int MR => 8;
        public static int NR => 32;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
                c60 = default, c61 = default, c70 = default, c71 = default;
            PrefetchTile(c, ldc, 8, 32);
            for (int p = 0; p < kc; p++, a += 8, b += ldb)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var a0 = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                var a4 = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
                var a5 = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
                var a6 = Vector512.Create(a[6]);
                c60 = Vector512.FusedMultiplyAdd(a6, b0, c60); c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
                var a7 = Vector512.Create(a[7]);
                c70 = Vector512.FusedMultiplyAdd(a7, b0, c70); c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            }
            Store(c, c00, c01, load);
            Store(c + ldc, c10, c11, load);
            Store(c + 2 * ldc, c20, c21, load);
            Store(c + 3 * ldc, c30, c31, load);
            Store(c + 4 * ldc, c40, c41, load);
            Store(c + 5 * ldc, c50, c51, load);
            Store(c + 6 * ldc, c60, c61, load);
            Store(c + 7 * ldc, c70, c71, load);
        }

        public static int HalfRows => 4;

        /// <summary>Rows 0–3 of the 8×32 tile: 8 accumulators (two FMA pipes × 4 cycles of latency).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void RunHalf(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                c30 = default, c31 = default;
            PrefetchTile(c, ldc, 4, 32);
            for (int p = 0; p < kc; p++, a += 8, b += ldb)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var a0 = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            }
            Store(c, c00, c01, load);
            Store(c + ldc, c10, c11, load);
            Store(c + 2 * ldc, c20, c21, load);
            Store(c + 3 * ldc, c30, c31, load);
        }

        /// <summary>Columns 0–15 of the 8×32 tile: 8 accumulators, one load of B per k.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void RunNarrow(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
                c6 = default, c7 = default;
            for (int p = 0; p < kc; p++, a += 8, b += ldb)
            {
                var b0 = Vector512.Load(b);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            }
            Store(c, c0, load); Store(c + ldc, c1, load); Store(c + 2 * ldc, c2, load); Store(c + 3 * ldc, c3, load);
            Store(c + 4 * ldc, c4, load); Store(c + 5 * ldc, c5, load); Store(c + 6 * ldc, c6, load);
            Store(c + 7 * ldc, c7, load);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector512<float> v, bool load) =>
            Vector512.Store(load ? Vector512.Load(c) + v : v, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool load)
        {
            if (load)
            {
                v0 = Vector512.Load(c) + v0;
                v1 = Vector512.Load(c + 16) + v1;
            }
            Vector512.Store(v0, c);
            Vector512.Store(v1, c + 16);
        }
    }

    /// <summary>
    /// 6×16 with AVX2 + FMA (the BLIS Haswell shape): 12 ymm accumulators, two loads of B and six broadcasts of A per
    /// k, 15 of the 16 registers. 12 independent FMA chains cover the 4-5 cycle latency of two FMA pipes with room
    /// to spare, where 8 (a 4×16 tile) only just do.
    /// </summary>
    private struct Avx2Kernel : IMicroKernel
    {
        public static int MR => 6;
        public static int NR => 16;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            PrefetchTile(c, ldc, 6, 16);
            // Two k per trip: half the loop overhead, and the loads of the second k issue while the first's FMAs run.
            int p = 0;
            for (; p <= kc - 2; p += 2, a += 12, b += 2 * ldb)
            {
                var b0 = Avx.LoadVector256(b);
                var b1 = Avx.LoadVector256(b + 8);
                var a0 = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
                var a1 = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
                var a2 = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
                var a3 = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
                var a4 = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
                var a5 = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
                b0 = Avx.LoadVector256(b + ldb);
                b1 = Avx.LoadVector256(b + ldb + 8);
                a0 = Vector256.Create(a[6]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
                a1 = Vector256.Create(a[7]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
                a2 = Vector256.Create(a[8]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
                a3 = Vector256.Create(a[9]); c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
                a4 = Vector256.Create(a[10]); c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
                a5 = Vector256.Create(a[11]); c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
            }
            if (p < kc)
            {
                var b0 = Avx.LoadVector256(b);
                var b1 = Avx.LoadVector256(b + 8);
                var a0 = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
                var a1 = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
                var a2 = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
                var a3 = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(a3, b0, c30); c31 = Fma.MultiplyAdd(a3, b1, c31);
                var a4 = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(a4, b0, c40); c41 = Fma.MultiplyAdd(a4, b1, c41);
                var a5 = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(a5, b0, c50); c51 = Fma.MultiplyAdd(a5, b1, c51);
            }
            Store(c, c00, c01, load);
            Store(c + ldc, c10, c11, load);
            Store(c + 2 * ldc, c20, c21, load);
            Store(c + 3 * ldc, c30, c31, load);
            Store(c + 4 * ldc, c40, c41, load);
            Store(c + 5 * ldc, c50, c51, load);
        }

        public static int HalfRows => 3;

        /// <summary>Columns 0–7 of the 6×16 tile: 6 accumulators, one load of B per k.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void RunNarrow(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
            for (int p = 0; p < kc; p++, a += 6, b += ldb)
            {
                var b0 = Avx.LoadVector256(b);
                c0 = Fma.MultiplyAdd(Vector256.Create(a[0]), b0, c0);
                c1 = Fma.MultiplyAdd(Vector256.Create(a[1]), b0, c1);
                c2 = Fma.MultiplyAdd(Vector256.Create(a[2]), b0, c2);
                c3 = Fma.MultiplyAdd(Vector256.Create(a[3]), b0, c3);
                c4 = Fma.MultiplyAdd(Vector256.Create(a[4]), b0, c4);
                c5 = Fma.MultiplyAdd(Vector256.Create(a[5]), b0, c5);
            }
            Store(c, c0, load); Store(c + ldc, c1, load); Store(c + 2 * ldc, c2, load);
            Store(c + 3 * ldc, c3, load); Store(c + 4 * ldc, c4, load); Store(c + 5 * ldc, c5, load);
        }

        /// <summary>Rows 0–2 of the 6×16 tile (6 accumulators), one k per trip.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void RunHalf(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            PrefetchTile(c, ldc, 3, 16);
            for (int p = 0; p < kc; p++, a += 6, b += ldb)
            {
                var b0 = Avx.LoadVector256(b);
                var b1 = Avx.LoadVector256(b + 8);
                var a0 = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(a0, b0, c00); c01 = Fma.MultiplyAdd(a0, b1, c01);
                var a1 = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(a1, b0, c10); c11 = Fma.MultiplyAdd(a1, b1, c11);
                var a2 = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(a2, b0, c20); c21 = Fma.MultiplyAdd(a2, b1, c21);
            }
            Store(c, c00, c01, load);
            Store(c + ldc, c10, c11, load);
            Store(c + 2 * ldc, c20, c21, load);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector256<float> v, bool load) =>
            Avx.Store(c, load ? Avx.LoadVector256(c) + v : v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector256<float> v0, Vector256<float> v1, bool load)
        {
            if (load)
            {
                v0 = Avx.LoadVector256(c) + v0;
                v1 = Avx.LoadVector256(c + 8) + v1;
            }
            Avx.Store(c, v0);
            Avx.Store(c + 8, v1);
        }
    }

    /// <summary>
    /// 4×(2 vectors) with <see cref="Vector{T}"/>: 8 accumulators + 2 B vectors + 1 broadcast fit the 16 registers
    /// of AVX2 (or NEON's 32). MultiplyAddEstimate fuses where the hardware can.
    /// </summary>
    private struct PortableKernel : IMicroKernel
    {
        public static int MR => 4;
        public static int NR => 2 * Vector<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            int w = Vector<float>.Count;
            Vector<float> c00 = default, c01 = default, c10 = default, c11 = default,
                c20 = default, c21 = default, c30 = default, c31 = default;
            PrefetchTile(c, ldc, 4, 2 * w);
            for (int p = 0; p < kc; p++, a += 4, b += ldb)
            {
                var b0 = Vector.Load(b);
                var b1 = Vector.Load(b + w);
                var a0 = new Vector<float>(a[0]);
                c00 = Vector.MultiplyAddEstimate(a0, b0, c00); c01 = Vector.MultiplyAddEstimate(a0, b1, c01);
                var a1 = new Vector<float>(a[1]);
                c10 = Vector.MultiplyAddEstimate(a1, b0, c10); c11 = Vector.MultiplyAddEstimate(a1, b1, c11);
                var a2 = new Vector<float>(a[2]);
                c20 = Vector.MultiplyAddEstimate(a2, b0, c20); c21 = Vector.MultiplyAddEstimate(a2, b1, c21);
                var a3 = new Vector<float>(a[3]);
                c30 = Vector.MultiplyAddEstimate(a3, b0, c30); c31 = Vector.MultiplyAddEstimate(a3, b1, c31);
            }
            Store(c, c00, c01, load);
            Store(c + ldc, c10, c11, load);
            Store(c + 2 * ldc, c20, c21, load);
            Store(c + 3 * ldc, c30, c31, load);
        }

        public static int HalfRows => 2;

        /// <summary>The first vector of columns of the 4-row tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void RunNarrow(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
            for (int p = 0; p < kc; p++, a += 4, b += ldb)
            {
                var b0 = Vector.Load(b);
                c0 = Vector.MultiplyAddEstimate(new Vector<float>(a[0]), b0, c0);
                c1 = Vector.MultiplyAddEstimate(new Vector<float>(a[1]), b0, c1);
                c2 = Vector.MultiplyAddEstimate(new Vector<float>(a[2]), b0, c2);
                c3 = Vector.MultiplyAddEstimate(new Vector<float>(a[3]), b0, c3);
            }
            Store(c, c0, load); Store(c + ldc, c1, load); Store(c + 2 * ldc, c2, load); Store(c + 3 * ldc, c3, load);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector<float> v, bool load) =>
            Vector.Store(load ? Vector.Load(c) + v : v, c);

        /// <summary>Rows 0–1 of the 4-row tile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void RunHalf(float* a, float* b, int ldb, int kc, float* c, int ldc, bool load)
        {
            int w = Vector<float>.Count;
            Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
            PrefetchTile(c, ldc, 2, 2 * w);
            for (int p = 0; p < kc; p++, a += 4, b += ldb)
            {
                var b0 = Vector.Load(b);
                var b1 = Vector.Load(b + w);
                var a0 = new Vector<float>(a[0]);
                c00 = Vector.MultiplyAddEstimate(a0, b0, c00); c01 = Vector.MultiplyAddEstimate(a0, b1, c01);
                var a1 = new Vector<float>(a[1]);
                c10 = Vector.MultiplyAddEstimate(a1, b0, c10); c11 = Vector.MultiplyAddEstimate(a1, b1, c11);
            }
            Store(c, c00, c01, load);
            Store(c + ldc, c10, c11, load);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(float* c, Vector<float> v0, Vector<float> v1, bool load)
        {
            int w = Vector<float>.Count;
            if (load)
            {
                v0 = Vector.Load(c) + v0;
                v1 = Vector.Load(c + w) + v1;
            }
            Vector.Store(v0, c);
            Vector.Store(v1, c + w);
        }
    }
}
