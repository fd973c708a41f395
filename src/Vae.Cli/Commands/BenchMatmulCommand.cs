using System.Diagnostics;
using System.Globalization;
using Vae.Cli.Bench;
using Vae.Kernels;

namespace Vae.Cli.Commands;

/// <summary>
/// <c>vae bench matmul</c>: times <see cref="Gemm.Multiply"/> on the products of a VAE training step (and 1024³),
/// next to OpenBLAS's cblas_sgemm when libopenblas.so.0 is installed, and prints CSV.
/// </summary>
public sealed class BenchMatmulCommand : ICommand
{
    public string Name => "bench matmul";
    public string Summary => "time the GEMM kernel on the VAE shapes (and OpenBLAS, if installed); prints CSV";

    // (m, n, k, transA, transB): the 784-400 layer's forward (x·Wᵀ), the decoder's 400→784 forward, dW = dYᵀ·X,
    // dX = dY·W, and a square reference.
    private static readonly (int M, int N, int K, bool TransA, bool TransB)[] VaeShapes =
    [
        (128, 400, 784, false, true),
        (128, 784, 400, false, true),
        (400, 784, 128, true, false),
        (128, 784, 400, false, false),
        (1024, 1024, 1024, false, false),
    ];

    // Every distinct product of one training step of Burda et al.'s 784-200-200-50 model at their batch of 20:
    // forward x·Wᵀ, weight gradients dYᵀ·X, input gradients dY·W (the μ and log σ² heads share shapes).
    private static readonly (int M, int N, int K, bool TransA, bool TransB)[] BurdaShapes =
    [
        (20, 200, 784, false, true), (20, 200, 200, false, true), (20, 50, 200, false, true),
        (20, 200, 50, false, true), (20, 784, 200, false, true),
        (200, 784, 20, true, false), (200, 200, 20, true, false), (50, 200, 20, true, false),
        (200, 50, 20, true, false), (784, 200, 20, true, false),
        (20, 200, 200, false, false), (20, 200, 50, false, false), (20, 50, 200, false, false),
        (20, 200, 784, false, false),
    ];

    private ArgParser Parser() => new ArgParser(Name, Summary)
        .Option("threads", "0", "threads for both libraries; 0 = all cores", "N")
        .Option("shapes", "vae", "which products: vae (the default model at batch 128, and 1024³) or burda "
            + "(every product of a step of the 784-200-200-50 model at batch 20)", "SET")
        .Option("isa", "auto", "instruction set of our kernel: auto (the one training uses), avx512, avx2, portable",
            "NAME")
        .Option("repeats", "20", "timed repetitions per shape; the best one is reported", "N")
        .Option("warmup", "2", "untimed repetitions first (JIT, caches, buffers)", "N")
        .Option("min-ms", "10", "each repetition runs the product enough times to last this long", "MS")
        .Flag("cpu-time", "time by the calling thread's CPU time, not the wall clock (1 thread only; Linux): on a "
            + "busy shared machine it leaves out the slices other processes take");

    public int Run(IReadOnlyList<string> args)
    {
        var parser = Parser();
        if (!parser.Parse(args)) { Console.Out.Write(parser.Help()); return ExitCodes.Ok; }
        int threads = parser.GetInt("threads", 0, 1024);
        int repeats = parser.GetInt("repeats", 1, 1000), warmup = parser.GetInt("warmup", 0, 1000);
        double minMs = parser.GetDouble("min-ms", 0, 60_000);
        if (threads == 0) threads = Environment.ProcessorCount;
        var shapes = parser.GetChoice("shapes", "vae", "burda") == "burda" ? BurdaShapes : VaeShapes;
        bool cpuTime = parser.GetFlag("cpu-time");
        if (cpuTime && (threads != 1 || !OperatingSystem.IsLinux()))
            throw new UsageException("--cpu-time needs --threads 1 on Linux (other threads' time is not counted)");
        _clock = cpuTime ? ThreadCpuSeconds : WallSeconds;
        var path = parser.GetChoice("isa", "auto", "avx512", "avx2", "portable") switch
        {
            "avx512" => GemmPath.Avx512, "avx2" => GemmPath.Avx2, "portable" => GemmPath.Portable, _ => Gemm.Path,
        };
        if (!Gemm.IsSupported(path))
            throw new UsageException(
                $"this machine cannot run the {path} kernel (the best it has: {Gemm.Describe(Gemm.Path)})");

        var blas = OpenBlas.TryLoad();
        blas?.SetThreads(threads);
        if (blas == null)
            Console.Error.WriteLine("note: libopenblas.so.0 not found; the openblas_gflops column stays blank");

        Console.Error.WriteLine($"# gemm: {Gemm.Describe(path)}, {threads} threads" +
            (blas == null ? "" : $"; OpenBLAS core: {blas.CoreName}"));
        var rng = new Random(1234);
        bool allMatch = true;
        Console.Out.WriteLine("m,n,k,trans_a,trans_b,isa,threads,gflops,openblas_gflops,us,openblas_us");
        foreach (var (m, n, k, ta, tb) in shapes)
        {
            float[] a = Random(rng, m * k), b = Random(rng, k * n), c = new float[m * n], reference = new float[m * n];
            double flops = 2.0 * m * n * k;
            var (ours, theirs) = Time(() => Gemm.Multiply(path, a, b, m, n, k, ta, tb, c, false, threads),
                blas == null ? null : () => blas.Sgemm(a, b, m, n, k, ta, tb, reference, false),
                warmup, repeats, minMs);
            // The check: against OpenBLAS's C, or the naive twin when OpenBLAS is absent (too slow for 1024³).
            bool small = (long)m * n * k <= 128L * 784 * 400;
            if (blas == null && small) Gemm.Naive(a, b, m, n, k, ta, tb, reference, false);
            if (blas != null || small)
            {
                // Inputs are in [-1, 1), so |C| ≤ Σ|a||b| ≤ k: the error is taken relative to that bound.
                double err = MaxAbsDiff(c, reference) / k;
                if (err > 1e-5)
                {
                    allMatch = false;
                    Console.Error.WriteLine(
                        $"warning: {m}x{n}x{k} result differs from the reference: max |Δ|/k = {err:E2}");
                }
            }
            Console.Out.WriteLine(string.Join(',', m, n, k, ta ? 1 : 0, tb ? 1 : 0, path, threads,
                (flops / ours / 1e9).ToString("F1", CultureInfo.InvariantCulture),
                theirs is { } t ? (flops / t / 1e9).ToString("F1", CultureInfo.InvariantCulture) : "",
                (ours * 1e6).ToString("F1", CultureInfo.InvariantCulture),
                theirs is { } t2 ? (t2 * 1e6).ToString("F1", CultureInfo.InvariantCulture) : ""));
        }
        return allMatch ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>
    /// Best seconds per call of each library over <paramref name="repeats"/> repetitions, each a loop lasting about
    /// <paramref name="minMs"/>. The two alternate repetition by repetition so that both see the same machine load.
    /// </summary>
    private static (double Ours, double? Theirs) Time(Action ours, Action? theirs, int warmup, int repeats,
        double minMs)
    {
        ours(); // JIT, packing buffers, worker threads
        theirs?.Invoke();
        var sw = Stopwatch.StartNew();
        ours();
        int calls = Math.Max(1, (int)Math.Ceiling(minMs / Math.Max(sw.Elapsed.TotalMilliseconds, 1e-3)));
        double bestOurs = double.MaxValue, bestTheirs = double.MaxValue;
        for (int r = 0; r < warmup + repeats; r++)
        {
            double t = Seconds(ours, calls);
            if (r >= warmup) bestOurs = Math.Min(bestOurs, t);
            if (theirs == null) continue;
            t = Seconds(theirs, calls);
            if (r >= warmup) bestTheirs = Math.Min(bestTheirs, t);
        }
        return (bestOurs, theirs == null ? null : bestTheirs);
    }

    private static Func<double> _clock = WallSeconds;

    private static double Seconds(Action run, int calls)
    {
        double start = _clock();
        for (int i = 0; i < calls; i++) run();
        return (_clock() - start) / calls;
    }

    private static double WallSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    private static unsafe double ThreadCpuSeconds()
    {
        const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
        long* ts = stackalloc long[2];    // struct timespec { time_t tv_sec; long tv_nsec; } on 64-bit Linux
        if (ClockGetTime(ClockThreadCpuTime, ts) != 0) throw new InvalidOperationException("clock_gettime failed");
        return ts[0] + ts[1] * 1e-9;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGetTime(int clock, long* timespec);

    private static float[] Random(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static double MaxAbsDiff(float[] x, float[] y)
    {
        double max = 0;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
        return max;
    }
}
