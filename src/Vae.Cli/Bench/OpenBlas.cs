using System.Runtime.InteropServices;

namespace Vae.Cli.Bench;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c>, loaded at run time if the shared library is installed, only to give the GEMM
/// benchmark a yardstick. The engine never uses it.
/// </summary>
internal sealed unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112; // CBLAS_ORDER / CBLAS_TRANSPOSE

    // void cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)  (32-bit blasint)
    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*,
        int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setNumThreads;
    private readonly delegate* unmanaged<nint> _coreName;

    private OpenBlas(nint sgemm, nint setNumThreads, nint coreName)
    {
        _coreName = (delegate* unmanaged<nint>)coreName;
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int,
            void>)sgemm;
        _setNumThreads = (delegate* unmanaged<int, void>)setNumThreads;
    }

    /// <summary>Null when libopenblas.so.0 is not loadable or lacks cblas_sgemm.</summary>
    public static OpenBlas? TryLoad()
    {
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out nint lib)) return null;
        if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out nint sgemm)) return null;
        NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out nint setThreads);
        NativeLibrary.TryGetExport(lib, "openblas_get_corename", out nint coreName);
        return new OpenBlas(sgemm, setThreads, coreName);
    }

    /// <summary>The kernel family OpenBLAS picked (openblas_get_corename), e.g. "SkylakeX" or "Haswell".</summary>
    public string CoreName => _coreName == null ? "unknown" : Marshal.PtrToStringAnsi(_coreName()) ?? "unknown";

    public void SetThreads(int threads)
    {
        if (_setNumThreads != null) _setNumThreads(threads);
    }

    /// <summary>Same contract as <see cref="Vae.Kernels.Gemm.Multiply"/> (row-major; beta = 1 when
    /// accumulating).</summary>
    public void Sgemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA, bool transB,
        Span<float> c, bool accumulate)
    {
        fixed (float* pa = a, pb = b, pc = c)
            _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, 1f,
                pa, transA ? m : k, pb, transB ? k : n, accumulate ? 1f : 0f, pc, n);
    }
}
