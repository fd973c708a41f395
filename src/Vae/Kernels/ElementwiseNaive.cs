namespace Vae.Kernels;

/// <summary>
/// The scalar twins of <see cref="Elementwise"/>: one plain loop each, same names and arguments, calling the
/// operators' scalar Invoke. They are the reference the tests check the vector loops against, and the baseline the
/// benchmarks time them beside.
/// </summary>
public static class ElementwiseNaive
{
    public static void Map<TOp>(ReadOnlySpan<float> x, Span<float> dest) where TOp : struct, IUnaryOp
    {
        Elementwise.CheckLengths(x.Length, dest.Length);
        for (int i = 0; i < x.Length; i++) dest[i] = TOp.Invoke(x[i]);
    }

    public static void Map<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dest)
        where TOp : struct, IBinaryOp
    {
        Elementwise.CheckLengths(x.Length, y.Length, dest.Length);
        for (int i = 0; i < x.Length; i++) dest[i] = TOp.Invoke(x[i], y[i]);
    }

    public static void Map<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> dest)
        where TOp : struct, ITernaryOp
    {
        Elementwise.CheckLengths(x.Length, y.Length, z.Length, dest.Length);
        for (int i = 0; i < x.Length; i++) dest[i] = TOp.Invoke(x[i], y[i], z[i]);
    }

    public static void Accumulate<TOp>(ReadOnlySpan<float> x, float scale, Span<float> dest)
        where TOp : struct, IUnaryOp
    {
        Elementwise.CheckLengths(x.Length, dest.Length);
        for (int i = 0; i < x.Length; i++) dest[i] += scale * TOp.Invoke(x[i]);
    }

    public static void Accumulate<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float scale, Span<float> dest)
        where TOp : struct, IBinaryOp
    {
        Elementwise.CheckLengths(x.Length, y.Length, dest.Length);
        for (int i = 0; i < x.Length; i++) dest[i] += scale * TOp.Invoke(x[i], y[i]);
    }

    public static void Accumulate<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z,
        Span<float> dest)
        where TOp : struct, ITernaryOp
    {
        Elementwise.CheckLengths(x.Length, y.Length, z.Length, dest.Length);
        for (int i = 0; i < x.Length; i++) dest[i] += TOp.Invoke(x[i], y[i], z[i]);
    }

    public static float Sum<TOp>(ReadOnlySpan<float> x) where TOp : struct, IUnaryOp
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += TOp.Invoke(x[i]);
        return (float)sum;
    }

    public static float Sum<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y) where TOp : struct, IBinaryOp
    {
        Elementwise.CheckLengths(x.Length, y.Length);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += TOp.Invoke(x[i], y[i]);
        return (float)sum;
    }

    public static float Max(ReadOnlySpan<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x) max = MathF.Max(max, v);
        return max;
    }

    public static float SumExpShifted(ReadOnlySpan<float> x, float shift)
    {
        double sum = 0;
        foreach (float v in x) sum += MathF.Exp(v - shift);
        return (float)sum;
    }

    public static void AccumulateExpShifted(ReadOnlySpan<float> x, float shift, float scale, Span<float> dest)
    {
        Elementwise.CheckLengths(x.Length, dest.Length);
        for (int i = 0; i < x.Length; i++) dest[i] += scale * MathF.Exp(x[i] - shift);
    }

    public static void AddRowVector(ReadOnlySpan<float> x, ReadOnlySpan<float> b, int rows, int cols, Span<float> dest)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                dest[r * cols + c] = x[r * cols + c] + b[c];
    }

    public static void AccumulateColumnSums(ReadOnlySpan<float> x, int rows, int cols, Span<float> dest)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                dest[c] += x[r * cols + c];
    }
}
