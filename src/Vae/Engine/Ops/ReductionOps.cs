using Vae.Kernels;

namespace Vae.Engine;

/// <summary>Sums, means and log-sum-exp, over the whole tensor or per row.</summary>
public static partial class Ops
{
    /// <summary>Σ of all elements. (R,C) → (1,1).</summary>
    public static Tensor Sum(this Tape tape, Tensor x)
    {
        var node = tape.Record(OpKind.Sum, SumBackward, 1, 1, new FactorParams(1f), x);
        node.Out.Data[0] = Elementwise.Sum<IdentityOp>(x.Data);
        return node.Out;
    }

    /// <summary>Mean of all elements. (R,C) → (1,1).</summary>
    public static Tensor Mean(this Tape tape, Tensor x)
    {
        var node = tape.Record(OpKind.Mean, SumBackward, 1, 1, new FactorParams(x.Length == 0 ? 0f : 1f / x.Length), x);
        node.Out.Data[0] = Elementwise.Sum<IdentityOp>(x.Data) * node.Params.Factor;
        return node.Out;
    }

    // dx += s · dy for every element (s = 1 for Sum, 1/n for Mean).
    private static readonly BackwardFn<FactorParams> SumBackward = static node =>
    {
        var x = node.A!;
        if (!x.RequiresGrad) return;
        float g = node.Out.Grad[0] * node.Params.Factor;
        var dx = x.Grad;
        for (int i = 0; i < dx.Length; i++) dx[i] += g;
    };

    /// <summary>Σ over each row. (R,C) → (R,1).</summary>
    public static Tensor SumRows(this Tape tape, Tensor x)
    {
        var node = tape.Record(OpKind.SumRows, SumRowsBackward, x.Rows, 1, new FactorParams(1f), x);
        FillRowSums(x, node.Out.Data, 1f);
        return node.Out;
    }

    /// <summary>Mean over each row. (R,C) → (R,1).</summary>
    public static Tensor MeanRows(this Tape tape, Tensor x)
    {
        var mean = new FactorParams(x.Cols == 0 ? 0f : 1f / x.Cols);
        var node = tape.Record(OpKind.MeanRows, SumRowsBackward, x.Rows, 1, mean, x);
        FillRowSums(x, node.Out.Data, node.Params.Factor);
        return node.Out;
    }

    // dx[r,c] += s · dy[r].
    private static readonly BackwardFn<FactorParams> SumRowsBackward = static node =>
    {
        var x = node.A!;
        if (!x.RequiresGrad) return;
        var dy = node.Out.Grad;
        var dx = x.Grad;
        for (int r = 0; r < x.Rows; r++)
        {
            float g = dy[r] * node.Params.Factor;
            var row = dx.Slice(r * x.Cols, x.Cols);
            for (int c = 0; c < row.Length; c++) row[c] += g;
        }
    };

    private static void FillRowSums(Tensor x, Span<float> dest, float scale)
    {
        ReadOnlySpan<float> data = x.Data;
        for (int r = 0; r < x.Rows; r++)
            dest[r] = scale * Elementwise.Sum<IdentityOp>(data.Slice(r * x.Cols, x.Cols));
    }

    /// <summary>
    /// log Σ_c e^x[r,c] per row, stably: m + log Σ e^(x − m) with m the row maximum. (R,C) → (R,1).
    /// Used by the importance-weighted bound (log-mean-exp of log-weights).
    /// </summary>
    public static Tensor LogSumExpRows(this Tape tape, Tensor x)
    {
        if (x.Cols == 0) throw new ArgumentException("LogSumExpRows needs at least one column");
        var node = tape.Record(OpKind.LogSumExpRows, LogSumExpRowsBackward, x.Rows, 1, x);
        ReadOnlySpan<float> data = x.Data;
        var y = node.Out.Data;
        for (int r = 0; r < x.Rows; r++)
        {
            var row = data.Slice(r * x.Cols, x.Cols);
            float m = Elementwise.Max(row);
            y[r] = float.IsInfinity(m) ? m : m + MathF.Log(Elementwise.SumExpShifted(row, m));
        }
        return node.Out;
    }

    // dx[r,c] += dy[r] · softmax(x[r])_c = dy[r] · e^(x[r,c] − m) / Σ_c e^(x[r,c] − m). Recomputing the row's max m
    // and sum (rather than using e^(x − y)) avoids the rounding of y, which at |x| ~ 1000 is already 6e-5.
    // Weights below e^−40 ≈ 4e-18 of the largest are flushed to 0: far below float resolution, and left in they
    // seed subnormal gradients that made the IWAE K = 5 backward pass 3× slower (microcode assists in every GEMM).
    private static readonly BackwardFn<NoParams> LogSumExpRowsBackward = static node =>
    {
        var x = node.A!;
        if (!x.RequiresGrad) return;
        ReadOnlySpan<float> data = x.Data, dy = node.Out.Grad;
        var dx = x.Grad;
        for (int r = 0; r < x.Rows; r++)
        {
            var row = data.Slice(r * x.Cols, x.Cols);
            float m = Elementwise.Max(row);
            if (float.IsInfinity(m)) continue; // all −∞ (no gradient) or a +∞ entry (undefined)
            float scale = dy[r] / Elementwise.SumExpShifted(row, m);
            var dRow = dx.Slice(r * x.Cols, x.Cols);
            for (int c = 0; c < row.Length; c++)
                if (row[c] - m > SoftmaxFlush) dRow[c] += scale * MathF.Exp(row[c] - m);
        }
    };

    private const float SoftmaxFlush = -40f;
}
