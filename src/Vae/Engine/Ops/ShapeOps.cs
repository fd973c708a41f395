namespace Vae.Engine;

/// <summary>Ops that move values without arithmetic: repeat each row, and read a tensor in another shape.</summary>
public static partial class Ops
{
    /// <summary>
    /// Each row repeated <paramref name="k"/> times in a row: y[r·k + s] = x[r] for s = 0…k−1 (e.g. one image's μ for
    /// its K samples of z). x (R,C) → y (R·K,C).
    /// </summary>
    public static Tensor RepeatRows(this Tape tape, Tensor x, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "RepeatRows needs k >= 1");
        var node = tape.Record(OpKind.RepeatRows, RepeatRowsBackward, checked(x.Rows * k), x.Cols,
            new RepeatParams(k), x);
        ReadOnlySpan<float> src = x.Data;
        var dst = node.Out.Data;
        int c = x.Cols;
        for (int r = 0; r < x.Rows; r++)
            for (int s = 0; s < k; s++)
                src.Slice(r * c, c).CopyTo(dst.Slice((r * k + s) * c, c));
        return node.Out;
    }

    // dx[r] += Σ_s dy[r·k + s].
    private static readonly BackwardFn<RepeatParams> RepeatRowsBackward = static node =>
    {
        var x = node.A!;
        if (!x.RequiresGrad) return;
        int k = node.Params.Copies, c = x.Cols;
        ReadOnlySpan<float> dy = node.Out.Grad;
        var dx = x.Grad;
        for (int r = 0; r < x.Rows; r++)
            for (int s = 0; s < k; s++)
            {
                var dyRow = dy.Slice((r * k + s) * c, c);
                Kernels.Elementwise.Accumulate<Kernels.IdentityOp>(dyRow, 1f, dx.Slice(r * c, c));
            }
    };

    /// <summary>
    /// The same values read as (rows, cols), row-major order kept (e.g. B·K log-weights as B rows of K).
    /// x (R,C) → y (rows, cols) with rows·cols = R·C.
    /// </summary>
    public static Tensor Reshape(this Tape tape, Tensor x, int rows, int cols)
    {
        if ((long)rows * cols != x.Length)
            throw new ArgumentException($"Reshape: {x} has {x.Length} values, not {rows}x{cols}");
        var node = tape.Record(OpKind.Reshape, ReshapeBackward, rows, cols, x);
        x.Data.CopyTo(node.Out.Data);
        return node.Out;
    }

    // dx += dy (same values, other shape).
    private static readonly BackwardFn<NoParams> ReshapeBackward = static node =>
    {
        if (node.A!.RequiresGrad)
            Kernels.Elementwise.Accumulate<Kernels.IdentityOp>(node.Out.Grad, 1f, node.A.Grad);
    };
}
