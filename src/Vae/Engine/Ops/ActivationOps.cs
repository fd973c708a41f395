using Vae.Kernels;

namespace Vae.Engine;

/// <summary>Elementwise nonlinearities. Each backward uses the form that is cheapest and stable (from y or from
/// x).</summary>
public static partial class Ops
{
    /// <summary>y = max(x, 0). (R,C) → (R,C).</summary>
    public static Tensor Relu(this Tape tape, Tensor x) => Unary<ReluOp>(tape, OpKind.Relu, ReluBackward, x);

    // dx += dy · [y > 0].
    private static readonly BackwardFn<NoParams> ReluBackward = static node => AccumulateFromOutput<ReluGradOp>(node);

    /// <summary>y = 1 / (1 + e^−x). (R,C) → (R,C).</summary>
    public static Tensor Sigmoid(this Tape tape, Tensor x) =>
        Unary<SigmoidOp>(tape, OpKind.Sigmoid, SigmoidBackward, x);

    // dx += dy · y(1 − y).
    private static readonly BackwardFn<NoParams> SigmoidBackward = static node =>
        AccumulateFromOutput<SigmoidGradOp>(node);

    /// <summary>y = tanh(x). (R,C) → (R,C).</summary>
    public static Tensor Tanh(this Tape tape, Tensor x) => Unary<TanhOp>(tape, OpKind.Tanh, TanhBackward, x);

    // dx += dy · (1 − y²).
    private static readonly BackwardFn<NoParams> TanhBackward = static node => AccumulateFromOutput<TanhGradOp>(node);

    /// <summary>y = e^x. (R,C) → (R,C).</summary>
    public static Tensor Exp(this Tape tape, Tensor x) => Unary<ExpOp>(tape, OpKind.Exp, ExpBackward, x);

    // dx += dy · y.
    private static readonly BackwardFn<NoParams> ExpBackward = static node => AccumulateFromOutput<MultiplyOp>(node);

    /// <summary>y = ln x. (R,C) → (R,C).</summary>
    public static Tensor Log(this Tape tape, Tensor x) => Unary<LogOp>(tape, OpKind.Log, LogBackward, x);

    // dx += dy / x.
    private static readonly BackwardFn<NoParams> LogBackward = static node =>
    {
        if (node.A!.RequiresGrad) Elementwise.Accumulate<DivideOp>(node.Out.Grad, node.A.Data, 1f, node.A.Grad);
    };

    /// <summary>y = ln(1 + e^x), computed stably. (R,C) → (R,C).</summary>
    public static Tensor Softplus(this Tape tape, Tensor x) =>
        Unary<SoftplusOp>(tape, OpKind.Softplus, SoftplusBackward, x);

    // dx += dy · σ(x).
    private static readonly BackwardFn<NoParams> SoftplusBackward = static node =>
    {
        if (node.A!.RequiresGrad) Elementwise.Accumulate<SoftplusGradOp>(node.Out.Grad, node.A.Data, 1f, node.A.Grad);
    };

    /// <summary>y = min(max(x, lo), hi). (R,C) → (R,C).</summary>
    public static Tensor Clamp(this Tape tape, Tensor x, float lo, float hi)
    {
        if (!(lo <= hi)) throw new ArgumentException($"Clamp: lo ({lo}) must not exceed hi ({hi})");
        var node = tape.Record(OpKind.Clamp, ClampBackward, x.Rows, x.Cols, new ClampParams(lo, hi), x);
        ReadOnlySpan<float> src = x.Data;
        var y = node.Out.Data;
        for (int i = 0; i < y.Length; i++) y[i] = Math.Clamp(src[i], lo, hi);
        return node.Out;
    }

    // dx += dy where lo < x < hi (the clamp passes x through), 0 where it holds x at a bound.
    private static readonly BackwardFn<ClampParams> ClampBackward = static node =>
    {
        var x = node.A!;
        if (!x.RequiresGrad) return;
        var (lo, hi) = node.Params;
        ReadOnlySpan<float> src = x.Data, dy = node.Out.Grad;
        var dx = x.Grad;
        for (int i = 0; i < dx.Length; i++)
            if (src[i] > lo && src[i] < hi) dx[i] += dy[i];
    };

    /// <summary>y = |x|. (R,C) → (R,C).</summary>
    public static Tensor Abs(this Tape tape, Tensor x)
    {
        var node = tape.Record(OpKind.Abs, AbsBackward, x.Rows, x.Cols, x);
        ReadOnlySpan<float> src = x.Data;
        var y = node.Out.Data;
        for (int i = 0; i < y.Length; i++) y[i] = MathF.Abs(src[i]);
        return node.Out;
    }

    // dx += dy · sign(x), with sign(0) = 0 (the subgradient of the kink that leaves x where it is).
    private static readonly BackwardFn<NoParams> AbsBackward = static node =>
    {
        var x = node.A!;
        if (!x.RequiresGrad) return;
        ReadOnlySpan<float> src = x.Data, dy = node.Out.Grad;
        var dx = x.Grad;
        for (int i = 0; i < dx.Length; i++) dx[i] += src[i] > 0f ? dy[i] : src[i] < 0f ? -dy[i] : 0f;
    };

    private static Tensor Unary<TOp>(Tape tape, OpKind kind, BackwardFn<NoParams> backward, Tensor x)
        where TOp : struct, IUnaryOp
    {
        var node = tape.Record(kind, backward, x.Rows, x.Cols, x);
        // Cut into blocks of whole vectors, not rows: Map computes a range's last Length mod W elements with the scalar
        // op, which for tanh, exp, … differs from the vector form in the last bits, so a cut inside a vector would
        // make the result depend on the thread count. Only the tensor's own tail is scalar, at any thread count. (Where
        // Map runs an op's 512-bit form first, that form gives the same bits as the Vector<T> one: VectorMathTests.)
        var body = new MapBlocks<TOp>(x, node.Out);
        RowParallel.For(ref body, MapBlocks<TOp>.Count(x.Length), (long)x.Length * TOp.Cost, tape.Threads);
        return node.Out;
    }

    /// <summary>dx += Op(dy, y) for activations whose derivative is a function of their output.</summary>
    private static void AccumulateFromOutput<TOp>(Node<NoParams> node) where TOp : struct, IBinaryOp
    {
        if (!node.A!.RequiresGrad) return;
        var body = new AccumulateFromOutputRows<TOp>(node.Out, node.A);
        RowParallel.For(ref body, node.Out.Rows, node.Out.Length, node.Threads);
    }

    /// <summary>y = Op(x) on blocks [start, end) of <see cref="Block"/> elements (the last one shorter).</summary>
    private readonly struct MapBlocks<TOp>(Tensor x, Tensor y) : IRangeBody where TOp : struct, IUnaryOp
    {
        private static int Block => 4 * System.Numerics.Vector<float>.Count;

        public static int Count(int length) => (length + Block - 1) / Block;

        public void Run(int start, int end)
        {
            int from = start * Block, count = Math.Min(x.Length, end * Block) - from;
            Elementwise.Map<TOp>(x.Data.Slice(from, count), y.Data.Slice(from, count));
        }
    }

    /// <summary>dx += Op(dy, y) on rows [start, end).</summary>
    private readonly struct AccumulateFromOutputRows<TOp>(Tensor y, Tensor x) : IRangeBody where TOp : struct, IBinaryOp
    {
        public void Run(int start, int end)
        {
            int c = y.Cols, from = start * c, count = (end - start) * c;
            Elementwise.Accumulate<TOp>(y.Grad.Slice(from, count), y.Data.Slice(from, count), 1f,
                x.Grad.Slice(from, count));
        }
    }
}
