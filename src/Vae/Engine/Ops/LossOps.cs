using Vae.Kernels;

namespace Vae.Engine;

/// <summary>
/// Per-example losses (one value per row, so a caller can average, weight or inspect them) and the
/// reparameterized sample. These are general probability building blocks; no model structure lives here.
/// </summary>
public static partial class Ops
{
    private static readonly float HalfLogTwoPi = 0.5f * MathF.Log(2f * MathF.PI);

    /// <summary>
    /// Binary cross-entropy with logits, summed per row: Σ_c max(l,0) − l·t + log(1 + e^−|l|).
    /// logits (B,D), target (B,D) in [0,1] → (B,1). The target gets no gradient.
    /// </summary>
    public static Tensor BceWithLogits(this Tape tape, Tensor logits, Tensor target)
    {
        CheckSameShape("BceWithLogits", logits, target);
        var node = tape.Record(OpKind.BceWithLogits, BceWithLogitsBackward, logits.Rows, 1, logits, target);
        var body = new RowSumsBody<BceWithLogitsOp>(logits, target, node.Out);
        RowParallel.For(ref body, logits.Rows, (long)logits.Length * IUnaryOp.ExpCost, tape.Threads);
        return node.Out;
    }

    // dl[r,c] += dy[r] · (σ(l[r,c]) − t[r,c]).
    private static readonly BackwardFn<NoParams> BceWithLogitsBackward = static node =>
    {
        Tensor l = node.A!;
        if (!l.RequiresGrad) return;
        var body = new AccumulateRowsBody<BceWithLogitsGradOp>(l, node.B!, node.Out, l);
        RowParallel.For(ref body, l.Rows, (long)l.Length * IUnaryOp.ExpCost, node.Threads);
    };

    /// <summary>y[r] = Σ_c Op(a[r,c], b[r,c]) on rows [start, end).</summary>
    private readonly struct RowSumsBody<TOp>(Tensor a, Tensor b, Tensor y) : IRangeBody where TOp : struct, IBinaryOp
    {
        public void Run(int start, int end)
        {
            int c = a.Cols, from = start * c, count = (end - start) * c;
            RowSums<TOp>(a.Data.Slice(from, count), b.Data.Slice(from, count), c, y.Data[start..end], 1f);
        }
    }

    /// <summary>dest[r,c] += dy[r] · Op(a[r,c], b[r,c]) on rows [start, end).</summary>
    private readonly struct AccumulateRowsBody<TOp>(Tensor a, Tensor b, Tensor y, Tensor dest) : IRangeBody
        where TOp : struct, IBinaryOp
    {
        public void Run(int start, int end)
        {
            int c = a.Cols, from = start * c, count = (end - start) * c;
            AccumulateRows<TOp>(a.Data.Slice(from, count), b.Data.Slice(from, count), y.Grad[start..end], c, 1f,
                dest.Grad.Slice(from, count));
        }
    }

    /// <summary>
    /// Gaussian negative log-likelihood with unit variance, per row: ½ Σ_c (x − μ)² + ½·D·log 2π.
    /// mean (B,D), target (B,D) → (B,1). The target gets no gradient.
    /// </summary>
    public static Tensor GaussianNll(this Tape tape, Tensor mean, Tensor target)
    {
        CheckSameShape("GaussianNll", mean, target);
        var node = tape.Record(OpKind.GaussianNll, GaussianNllBackward, mean.Rows, 1, mean, target);
        RowSums<SquaredDifferenceOp>(mean, target, node.Out.Data, 0.5f);
        float constant = HalfLogTwoPi * mean.Cols;
        foreach (ref float v in node.Out.Data) v += constant;
        return node.Out;
    }

    // dμ[r,c] += dy[r] · (μ − x).
    private static readonly BackwardFn<NoParams> GaussianNllBackward = static node =>
    {
        Tensor mu = node.A!, x = node.B!;
        if (mu.RequiresGrad) AccumulateRows<SubtractOp>(mu.Data, x.Data, node.Out.Grad, mu.Cols, 1f, mu.Grad);
    };

    /// <summary>Squared error per row: Σ_c (x̂ − x)² (the lecture's autoencoder loss ‖x − x̂‖²). (B,D),(B,D) →
    /// (B,1).</summary>
    public static Tensor SquaredError(this Tape tape, Tensor prediction, Tensor target)
    {
        CheckSameShape("SquaredError", prediction, target);
        var node = tape.Record(OpKind.SquaredError, SquaredErrorBackward, prediction.Rows, 1, prediction, target);
        RowSums<SquaredDifferenceOp>(prediction, target, node.Out.Data, 1f);
        return node.Out;
    }

    // dx̂[r,c] += dy[r] · 2(x̂ − x);  dx[r,c] −= the same.
    private static readonly BackwardFn<NoParams> SquaredErrorBackward = static node =>
    {
        Tensor p = node.A!, x = node.B!;
        if (p.RequiresGrad) AccumulateRows<SubtractOp>(p.Data, x.Data, node.Out.Grad, p.Cols, 2f, p.Grad);
        if (x.RequiresGrad) AccumulateRows<SubtractOp>(p.Data, x.Data, node.Out.Grad, p.Cols, -2f, x.Grad);
    };

    /// <summary>
    /// Analytic KL(N(μ, e^logvar) ‖ N(0, I)) per row = −½ Σ_j (1 + logvar_j − μ_j² − e^logvar_j)
    /// (Kingma &amp; Welling 2014, appendix B; the lecture's regularisation term). mu (B,J), logvar (B,J) → (B,1).
    /// </summary>
    public static Tensor KlStandardNormal(this Tape tape, Tensor mu, Tensor logvar)
    {
        CheckSameShape("KlStandardNormal", mu, logvar);
        var node = tape.Record(OpKind.KlStandardNormal, KlBackward, mu.Rows, 1, mu, logvar);
        RowSums<KlTermOp>(mu, logvar, node.Out.Data, 1f);
        return node.Out;
    }

    // dμ += dy · μ;  dlogvar += dy · ½(e^logvar − 1).
    private static readonly BackwardFn<NoParams> KlBackward = static node =>
    {
        Tensor mu = node.A!, lv = node.B!;
        ReadOnlySpan<float> dy = node.Out.Grad;
        int j = mu.Cols;
        for (int r = 0; r < mu.Rows; r++)
        {
            if (mu.RequiresGrad)
                Elementwise.Accumulate<IdentityOp>(mu.Data.Slice(r * j, j), dy[r], mu.Grad.Slice(r * j, j));
            if (lv.RequiresGrad)
                Elementwise.Accumulate<KlLogVarGradOp>(lv.Data.Slice(r * j, j), dy[r], lv.Grad.Slice(r * j, j));
        }
    };

    /// <summary>
    /// The reparameterization trick: z = μ + e^{½·logvar} ⊙ ε, with ε ~ N(0, I) drawn by the caller as a leaf that
    /// needs no gradient, so the randomness sits outside the path from the loss to μ and logvar.
    /// mu (B,J), logvar (B,J), eps (B,J) → z (B,J).
    /// </summary>
    public static Tensor Reparameterize(this Tape tape, Tensor mu, Tensor logvar, Tensor eps)
    {
        CheckSameShape("Reparameterize", mu, logvar);
        CheckSameShape("Reparameterize", mu, eps);
        var node = tape.Record(OpKind.Reparameterize, ReparameterizeBackward, mu.Rows, mu.Cols, mu, logvar, eps);
        Elementwise.Map<ReparameterizeOp>(mu.Data, logvar.Data, eps.Data, node.Out.Data);
        return node.Out;
    }

    // dμ += dz;  dlogvar += dz ⊙ ε ⊙ ½e^{½·logvar}.
    private static readonly BackwardFn<NoParams> ReparameterizeBackward = static node =>
    {
        Tensor mu = node.A!, lv = node.B!, eps = node.C!, z = node.Out;
        if (mu.RequiresGrad) Elementwise.Accumulate<IdentityOp>(z.Grad, 1f, mu.Grad);
        if (lv.RequiresGrad) Elementwise.Accumulate<ReparameterizeLogVarGradOp>(z.Grad, lv.Data, eps.Data, lv.Grad);
    };

    /// <summary>dest[r] = scale · Σ_c Op(a[r,c], b[r,c]).</summary>
    private static void RowSums<TOp>(Tensor a, Tensor b, Span<float> dest, float scale) where TOp : struct, IBinaryOp =>
        RowSums<TOp>(a.Data, b.Data, a.Cols, dest, scale);

    private static void RowSums<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int cols, Span<float> dest,
        float scale) where TOp : struct, IBinaryOp
    {
        for (int r = 0; r < dest.Length; r++)
            dest[r] = scale * Elementwise.Sum<TOp>(a.Slice(r * cols, cols), b.Slice(r * cols, cols));
    }

    /// <summary>dest[r,c] += scale · dy[r] · Op(a[r,c], b[r,c]).</summary>
    private static void AccumulateRows<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> dy,
        int cols, float scale, Span<float> dest) where TOp : struct, IBinaryOp
    {
        for (int r = 0; r < dy.Length; r++)
            Elementwise.Accumulate<TOp>(a.Slice(r * cols, cols), b.Slice(r * cols, cols), scale * dy[r],
                dest.Slice(r * cols, cols));
    }
}
