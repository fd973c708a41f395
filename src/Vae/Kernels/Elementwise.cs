using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vae.Kernels;

/// <summary>
/// The vectorised loops that drive every elementwise operator (ElementwiseOps.cs) over spans, in the order
/// "sources, destination". Each has a scalar twin of the same name in <see cref="ElementwiseNaive"/>.
/// Loops run full <see cref="Vector{T}"/> strides bounded by <c>i &lt;= n − W</c>, then a scalar tail of fewer than W
/// elements. Reductions keep one vector accumulator and add the tail last, so for a given length the order of
/// additions is fixed and results do not change between runs. Ops with a 512-bit form (HasWide) run it first on
/// AVX-512 machines (asked as <c>Avx512F.IsSupported</c>, as Gemm does), then the <see cref="Vector{T}"/> loop.
/// </summary>
public static class Elementwise
{
    private static int W => Vector<float>.Count;
    private static bool Wide => Avx512F.IsSupported && Vector<float>.Count < 16;

    /// <summary>dest[i] = Op(x[i]). dest may be x.</summary>
    public static void Map<TOp>(ReadOnlySpan<float> x, Span<float> dest) where TOp : struct, IUnaryOp
    {
        CheckLengths(x.Length, dest.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pd = ref MemoryMarshal.GetReference(dest);
        int n = x.Length, i = 0;
        if (TOp.HasWide && Wide)
            for (; i <= n - 16; i += 16)
                TOp.Invoke(Load16(ref px, i)).StoreUnsafe(ref pd, (nuint)i);
        for (; i <= n - W; i += W)
            Store(TOp.Invoke(Load(ref px, i)), ref pd, i);
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = TOp.Invoke(Unsafe.Add(ref px, i));
    }

    /// <summary>dest[i] = Op(x[i], y[i]). dest may be x or y.</summary>
    public static void Map<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dest)
        where TOp : struct, IBinaryOp
    {
        CheckLengths(x.Length, y.Length, dest.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pd = ref MemoryMarshal.GetReference(dest);
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            Store(TOp.Invoke(Load(ref px, i), Load(ref py, i)), ref pd, i);
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = TOp.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
    }

    /// <summary>dest[i] = Op(x[i], y[i], z[i]).</summary>
    public static void Map<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> dest)
        where TOp : struct, ITernaryOp
    {
        CheckLengths(x.Length, y.Length, z.Length, dest.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pz = ref MemoryMarshal.GetReference(z);
        ref float pd = ref MemoryMarshal.GetReference(dest);
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            Store(TOp.Invoke(Load(ref px, i), Load(ref py, i), Load(ref pz, i)), ref pd, i);
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = TOp.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), Unsafe.Add(ref pz, i));
    }

    /// <summary>dest[i] += scale · Op(x[i]). Backward passes accumulate, so a tensor used twice gets both
    /// parts.</summary>
    public static void Accumulate<TOp>(ReadOnlySpan<float> x, float scale, Span<float> dest)
        where TOp : struct, IUnaryOp
    {
        CheckLengths(x.Length, dest.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pd = ref MemoryMarshal.GetReference(dest);
        var s = new Vector<float>(scale);
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            Store(Load(ref pd, i) + s * TOp.Invoke(Load(ref px, i)), ref pd, i);
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) += scale * TOp.Invoke(Unsafe.Add(ref px, i));
    }

    /// <summary>dest[i] += scale · Op(x[i], y[i]).</summary>
    public static void Accumulate<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float scale, Span<float> dest)
        where TOp : struct, IBinaryOp
    {
        CheckLengths(x.Length, y.Length, dest.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pd = ref MemoryMarshal.GetReference(dest);
        var s = new Vector<float>(scale);
        int n = x.Length, i = 0;
        if (TOp.HasWide && Wide)
        {
            var s16 = Vector512.Create(scale);
            for (; i <= n - 16; i += 16)
            {
                var v = Load16(ref pd, i) + s16 * TOp.Invoke(Load16(ref px, i), Load16(ref py, i));
                v.StoreUnsafe(ref pd, (nuint)i);
            }
        }
        for (; i <= n - W; i += W)
            Store(Load(ref pd, i) + s * TOp.Invoke(Load(ref px, i), Load(ref py, i)), ref pd, i);
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) += scale * TOp.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
    }

    /// <summary>dest[i] += Op(x[i], y[i], z[i]).</summary>
    public static void Accumulate<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z,
        Span<float> dest)
        where TOp : struct, ITernaryOp
    {
        CheckLengths(x.Length, y.Length, z.Length, dest.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pz = ref MemoryMarshal.GetReference(z);
        ref float pd = ref MemoryMarshal.GetReference(dest);
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            Store(Load(ref pd, i) + TOp.Invoke(Load(ref px, i), Load(ref py, i), Load(ref pz, i)), ref pd, i);
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) += TOp.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), Unsafe.Add(ref pz, i));
    }

    /// <summary>Σ Op(x[i]).</summary>
    public static float Sum<TOp>(ReadOnlySpan<float> x) where TOp : struct, IUnaryOp
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        var acc = Vector<float>.Zero;
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            acc += TOp.Invoke(Load(ref px, i));
        float sum = Vector.Sum(acc);
        for (; i < n; i++)
            sum += TOp.Invoke(Unsafe.Add(ref px, i));
        return sum;
    }

    /// <summary>Σ Op(x[i], y[i]).</summary>
    public static float Sum<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y) where TOp : struct, IBinaryOp
    {
        CheckLengths(x.Length, y.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        var acc = Vector<float>.Zero;
        int n = x.Length, i = 0;
        float sum = 0f;
        if (TOp.HasWide && Wide)
        {
            var acc16 = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
                acc16 += TOp.Invoke(Load16(ref px, i), Load16(ref py, i));
            sum = Vector512.Sum(acc16);
        }
        for (; i <= n - W; i += W)
            acc += TOp.Invoke(Load(ref px, i), Load(ref py, i));
        sum += Vector.Sum(acc);
        for (; i < n; i++)
            sum += TOp.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
        return sum;
    }

    /// <summary>max x[i] (−∞ for an empty span).</summary>
    public static float Max(ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        var acc = new Vector<float>(float.NegativeInfinity);
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            acc = Vector.Max(acc, Load(ref px, i));
        float max = float.NegativeInfinity;
        for (int j = 0; j < W; j++) max = MathF.Max(max, acc[j]);
        for (; i < n; i++) max = MathF.Max(max, Unsafe.Add(ref px, i));
        return max;
    }

    /// <summary>Σ e^(x[i] − shift): the inner sum of a stable log-sum-exp.</summary>
    public static float SumExpShifted(ReadOnlySpan<float> x, float shift)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        var acc = Vector<float>.Zero;
        var s = new Vector<float>(shift);
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            acc += VectorMath.Exp(Load(ref px, i) - s);
        float sum = Vector.Sum(acc);
        for (; i < n; i++)
            sum += MathF.Exp(Unsafe.Add(ref px, i) - shift);
        return sum;
    }

    /// <summary>dest[i] += scale · e^(x[i] − shift): log-sum-exp backward (softmax times the upstream
    /// gradient).</summary>
    public static void AccumulateExpShifted(ReadOnlySpan<float> x, float shift, float scale, Span<float> dest)
    {
        CheckLengths(x.Length, dest.Length);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pd = ref MemoryMarshal.GetReference(dest);
        var s = new Vector<float>(shift);
        var sc = new Vector<float>(scale);
        int n = x.Length, i = 0;
        for (; i <= n - W; i += W)
            Store(Load(ref pd, i) + sc * VectorMath.Exp(Load(ref px, i) - s), ref pd, i);
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) += scale * MathF.Exp(Unsafe.Add(ref px, i) - shift);
    }

    /// <summary>Adds the row vector b (length cols) to every row of x (rows·cols): dest[r,c] = x[r,c] + b[c].</summary>
    public static void AddRowVector(ReadOnlySpan<float> x, ReadOnlySpan<float> b, int rows, int cols, Span<float> dest)
    {
        if (x.Length < rows * cols || dest.Length < rows * cols || b.Length < cols)
            throw new ArgumentException("span lengths do not match rows × cols");
        for (int r = 0; r < rows; r++)
            Map<AddOp>(x.Slice(r * cols, cols), b[..cols], dest.Slice(r * cols, cols));
    }

    /// <summary>dest[c] += Σ_r x[r,c]: the bias gradient (column sums).</summary>
    public static void AccumulateColumnSums(ReadOnlySpan<float> x, int rows, int cols, Span<float> dest)
    {
        if (x.Length < rows * cols || dest.Length < cols)
            throw new ArgumentException("span lengths do not match rows × cols");
        for (int r = 0; r < rows; r++)
            Accumulate<IdentityOp>(x.Slice(r * cols, cols), 1f, dest[..cols]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float p, int i) => Vector.LoadUnsafe(ref p, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load16(ref float p, int i) => Vector512.LoadUnsafe(ref p, (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> v, ref float p, int i) => v.StoreUnsafe(ref p, (nuint)i);

    internal static void CheckLengths(int a, int b)
    {
        if (a != b) throw new ArgumentException($"span lengths differ: {a} and {b}");
    }

    internal static void CheckLengths(int a, int b, int c)
    {
        if (a != b || a != c) throw new ArgumentException($"span lengths differ: {a}, {b} and {c}");
    }

    internal static void CheckLengths(int a, int b, int c, int d)
    {
        if (a != b || a != c || a != d) throw new ArgumentException($"span lengths differ: {a}, {b}, {c} and {d}");
    }
}
