using Vae.Kernels;

namespace Vae.Engine;

/// <summary>Matrix product and bias: the two halves of a dense layer.</summary>
public static partial class Ops
{
    /// <summary>
    /// C = op(A) · op(B), with op = transpose when the flag is set.
    /// Shapes: A (M,K) or stored (K,M) when transA; B (K,N) or stored (N,K) when transB; C (M,N).
    /// A dense layer with PyTorch's weight layout W (Out,In) is <c>MatMul(x, W, transB: true)</c>.
    /// </summary>
    public static Tensor MatMul(this Tape tape, Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        int m = transA ? a.Cols : a.Rows, k = transA ? a.Rows : a.Cols;
        int kb = transB ? b.Cols : b.Rows, n = transB ? b.Rows : b.Cols;
        if (k != kb)
            throw new ArgumentException(
                $"MatMul: inner sizes differ: {a}{(transA ? "ᵀ" : "")} · {b}{(transB ? "ᵀ" : "")}");
        var node = tape.Record(OpKind.MatMul, MatMulBackward, m, n, new MatMulParams(transA, transB), a, b);
        Gemm.Multiply(a.Data, b.Data, m, n, k, transA, transB, node.Out.Data, accumulate: false, tape.Threads);
        return node.Out;
    }

    // With C = op(A)·op(B) and upstream dC (M,N):  d op(A) = dC · op(B)ᵀ  and  d op(B) = op(A)ᵀ · dC.
    // Storing the gradient in A's own layout flips the product when A is stored transposed:
    //   A plain (M,K):   dA += dC · op(B)ᵀ            A stored (K,M):  dA += op(B) · dCᵀ
    //   B plain (K,N):   dB += op(A)ᵀ · dC            B stored (N,K):  dB += dCᵀ · op(A)
    // Each is one call to the same GEMM with accumulate = true, so no transposed copy is ever made. When both are
    // needed (every layer but the first) the two products are independent and run side by side, one per core.
    private static readonly BackwardFn<MatMulParams> MatMulBackward = static node =>
        ProductBackward(node.A!, node.B!, node.Out, node.Params.TransA, node.Params.TransB, node.Threads);

    /// <summary>The gradients of C = op(A)·op(B) into A and B (those that require one), from C's.</summary>
    private static void ProductBackward(Tensor a, Tensor b, Tensor c, bool ta, bool tb, int threads)
    {
        int m = c.Rows, n = c.Cols, k = ta ? a.Rows : a.Cols;
        Span<float> gA = a.RequiresGrad ? a.Grad : default, gB = b.RequiresGrad ? b.Grad : default;
        var dA = !ta
            ? new GemmArgs(c.Grad, b.Data, m, k, n, false, !tb, gA)   // (M,N)·op(B)ᵀ → (M,K)
            : new GemmArgs(b.Data, c.Grad, k, m, n, tb, true, gA);    // op(B)·dCᵀ → (K,M)
        var dB = !tb
            ? new GemmArgs(a.Data, c.Grad, k, n, m, !ta, false, gB)   // op(A)ᵀ·dC → (K,N)
            : new GemmArgs(c.Grad, a.Data, n, k, m, true, ta, gB);    // dCᵀ·op(A) → (N,K)
        if (b.RequiresGrad && b.GradientSink.IsSet && b.Uses == 1 && m <= Gemm.MaxSinkK)
        {
            // B's gradient goes strip by strip to its sink (an optimizer that then changes B): so A's gradient, which
            // reads B, first. K of B's gradient is m, the rows of C.
            if (a.RequiresGrad) Multiply(dA, threads);
            Gemm.Multiply(dB.A, dB.B, dB.M, dB.N, dB.K, dB.TransA, dB.TransB, b.GradientSink, threads);
        }
        else if (a.RequiresGrad && b.RequiresGrad && !ReferenceEquals(a, b))
            Gemm.MultiplyConcurrently(dA, dB, accumulate: true, threads);
        else
        {
            if (a.RequiresGrad) Multiply(dA, threads);
            if (b.RequiresGrad) Multiply(dB, threads);
        }
    }

    private static void Multiply(GemmArgs g, int threads) =>
        Gemm.Multiply(g.A, g.B, g.M, g.N, g.K, g.TransA, g.TransB, g.C, accumulate: true, threads);

    /// <summary>
    /// A dense layer in PyTorch's weight layout, y = x·Wᵀ + b: x (B,In), W (Out,In), b (1,Out) → y (B,Out).
    /// The same values as <c>AddBias(MatMul(x, W, transB: true), b)</c>, bit for bit, in one pass over y: the bias is
    /// added as each tile of the product is finished (<see cref="Gemm.MultiplyAddBias"/>), and the backward reads dy
    /// directly instead of passing it through a separate sum's node first.
    /// </summary>
    public static Tensor Linear(this Tape tape, Tensor x, Tensor weight, Tensor bias)
    {
        if (weight.Cols != x.Cols)
            throw new ArgumentException($"Linear: {x} · {weight}ᵀ: inner sizes differ ({x.Cols} vs {weight.Cols})");
        if (bias.Rows != 1 || bias.Cols != weight.Rows)
            throw new ArgumentException($"Linear: bias must be (1,{weight.Rows}), got {bias.ShapeString}");
        var node = tape.Record(OpKind.Linear, LinearBackward, x.Rows, weight.Rows, x, weight, bias);
        Gemm.MultiplyAddBias(x.Data, weight.Data, bias.Data, x.Rows, weight.Rows, x.Cols, false, true, node.Out.Data,
            tape.Threads);
        return node.Out;
    }

    // dx += dy·W;  dW += dyᵀ·x;  db += Σ_rows dy.
    private static readonly BackwardFn<NoParams> LinearBackward = static node =>
    {
        Tensor x = node.A!, w = node.B!, b = node.C!, y = node.Out;
        if (b.RequiresGrad)
        {
            var columns = new ColumnSums(y, b);
            RowParallel.For(ref columns, ColumnSums.Blocks(y.Cols), y.Length, node.Threads);
        }
        ProductBackward(x, w, y, false, true, node.Threads);
    };

    /// <summary>y = x + b broadcast over rows. x (B,N), b (1,N) → y (B,N).</summary>
    public static Tensor AddBias(this Tape tape, Tensor x, Tensor bias)
    {
        if (bias.Rows != 1 || bias.Cols != x.Cols)
            throw new ArgumentException($"AddBias: bias must be (1,{x.Cols}), got {bias.ShapeString}");
        var node = tape.Record(OpKind.AddBias, AddBiasBackward, x.Rows, x.Cols, x, bias);
        var body = new AddBiasRows(x, bias, node.Out);
        RowParallel.For(ref body, x.Rows, x.Length, tape.Threads);
        return node.Out;
    }

    // dx += dy;  db += Σ_rows dy.
    private static readonly BackwardFn<NoParams> AddBiasBackward = static node =>
    {
        Tensor x = node.A!, b = node.B!, y = node.Out;
        if (x.RequiresGrad)
        {
            var rows = new PassGradientRows(y, x);
            RowParallel.For(ref rows, y.Rows, y.Length, node.Threads);
        }
        if (b.RequiresGrad)
        {
            var columns = new ColumnSums(y, b);
            RowParallel.For(ref columns, ColumnSums.Blocks(y.Cols), y.Length, node.Threads);
        }
    };

    /// <summary>y = x + b on rows [start, end).</summary>
    private readonly struct AddBiasRows(Tensor x, Tensor b, Tensor y) : IRangeBody
    {
        public void Run(int start, int end)
        {
            int c = x.Cols, from = start * c, count = (end - start) * c;
            Elementwise.AddRowVector(x.Data.Slice(from, count), b.Data, end - start, c, y.Data.Slice(from, count));
        }
    }

    /// <summary>dx += dy on rows [start, end).</summary>
    private readonly struct PassGradientRows(Tensor y, Tensor x) : IRangeBody
    {
        public void Run(int start, int end)
        {
            int c = y.Cols, from = start * c, count = (end - start) * c;
            Elementwise.Accumulate<IdentityOp>(y.Grad.Slice(from, count), 1f, x.Grad.Slice(from, count));
        }
    }

    /// <summary>db[c] += Σ_r dy[r,c] for the column blocks [start, end); each column sums its rows in order.</summary>
    private readonly struct ColumnSums(Tensor y, Tensor b) : IRangeBody
    {
        private const int Block = 64;

        public static int Blocks(int cols) => (cols + Block - 1) / Block;

        public void Run(int start, int end)
        {
            int cols = y.Cols, c0 = start * Block, width = Math.Min(cols, end * Block) - c0;
            ReadOnlySpan<float> dy = y.Grad;
            var db = b.Grad.Slice(c0, width);
            for (int r = 0; r < y.Rows; r++)
                Elementwise.Accumulate<IdentityOp>(dy.Slice(r * cols + c0, width), 1f, db);
        }
    }
}
