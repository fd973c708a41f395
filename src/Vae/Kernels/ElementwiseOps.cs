using System.Numerics;
using System.Runtime.Intrinsics;

namespace Vae.Kernels;

// Elementwise math as small operator structs, each with a scalar and a vector Invoke (the pattern of .NET's
// TensorPrimitives). The loops in Elementwise.cs drive the vector form; ElementwiseNaive.cs drives the scalar form,
// which is the reference the tests compare against. The ops built on exp also have a 512-bit Invoke (HasWide), which
// the loops use on AVX-512 machines, where Vector<T> stays 256 bits: 1.4× faster there (docs/benchmarks.md); it does
// the same operations as the 256-bit form, so it gives the same bits.

public interface IUnaryOp
{
    static abstract float Invoke(float x);
    static abstract Vector<float> Invoke(Vector<float> x);

    /// <summary>Whether the op has a 512-bit Invoke.</summary>
    static virtual bool HasWide => false;
    static virtual Vector512<float> Invoke(Vector512<float> x) => throw new NotSupportedException();

    /// <summary>What an element costs, in additions, for <see cref="RowParallel"/>'s cut-off: 1, or
    /// <see cref="ExpCost"/> for an op built on exp.</summary>
    static virtual int Cost => 1;

    /// <summary>On a Cascade Lake core (256-bit loops, 20×784 elements) tanh and sigmoid cost ~1 ns an element, the
    /// BCE with logits ~1.7, an addition ~0.17.</summary>
    public const int ExpCost = 8;
}

public interface IBinaryOp
{
    static abstract float Invoke(float x, float y);
    static abstract Vector<float> Invoke(Vector<float> x, Vector<float> y);

    /// <summary>Whether the op has a 512-bit Invoke.</summary>
    static virtual bool HasWide => false;
    static virtual Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => throw new NotSupportedException();
}

public interface ITernaryOp
{
    static abstract float Invoke(float x, float y, float z);
    static abstract Vector<float> Invoke(Vector<float> x, Vector<float> y, Vector<float> z);
}

public readonly struct IdentityOp : IUnaryOp
{
    public static float Invoke(float x) => x;
    public static Vector<float> Invoke(Vector<float> x) => x;
}

public readonly struct ReluOp : IUnaryOp
{
    public static float Invoke(float x) => x > 0f ? x : 0f;
    public static Vector<float> Invoke(Vector<float> x) => Vector.Max(x, Vector<float>.Zero);
}

/// <summary>σ(x) = 1 / (1 + e^−x). For x → −∞, e^−x → +∞ and the result is exactly 0, never NaN.</summary>
public readonly struct SigmoidOp : IUnaryOp
{
    public static int Cost => IUnaryOp.ExpCost;
    public static float Invoke(float x) => 1f / (1f + MathF.Exp(-x));
    public static Vector<float> Invoke(Vector<float> x) => Vector<float>.One / (Vector<float>.One + VectorMath.Exp(-x));
    public static bool HasWide => true;
    public static Vector512<float> Invoke(Vector512<float> x) =>
        Vector512<float>.One / (Vector512<float>.One + VectorMath.Exp(-x));
}

/// <summary>
/// tanh. The vector form is 1 − 2 / (e^{2x} + 1): it saturates to ±1 without overflow to NaN, but near 0 it loses
/// relative precision to cancellation (about 1e−3 relative at |x| = 1e−4, absolute error ~1e−7); the scalar reference
/// is MathF.Tanh, and the tests compare the two with an absolute floor.
/// </summary>
public readonly struct TanhOp : IUnaryOp
{
    public static int Cost => IUnaryOp.ExpCost;
    public static float Invoke(float x) => MathF.Tanh(x);
    public static Vector<float> Invoke(Vector<float> x)
    {
        var two = new Vector<float>(2f);
        return Vector<float>.One - two / (VectorMath.Exp(two * x) + Vector<float>.One);
    }

    public static bool HasWide => true;
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var two = Vector512.Create(2f);
        return Vector512<float>.One - two / (VectorMath.Exp(two * x) + Vector512<float>.One);
    }
}

public readonly struct ExpOp : IUnaryOp
{
    public static int Cost => IUnaryOp.ExpCost;
    public static float Invoke(float x) => MathF.Exp(x);
    public static Vector<float> Invoke(Vector<float> x) => VectorMath.Exp(x);
    public static bool HasWide => true;
    public static Vector512<float> Invoke(Vector512<float> x) => VectorMath.Exp(x);
}

public readonly struct LogOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Log(x);
    public static Vector<float> Invoke(Vector<float> x) => Vector.Log(x);
}

/// <summary>softplus(x) = log(1 + e^x) = max(x, 0) + log(1 + e^−|x|), the stable form.</summary>
public readonly struct SoftplusOp : IUnaryOp
{
    public static int Cost => IUnaryOp.ExpCost;
    public static float Invoke(float x) => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
    public static Vector<float> Invoke(Vector<float> x) =>
        Vector.MaxNative(x, Vector<float>.Zero) + VectorMath.Log1PExpNegative(Vector.Abs(x));
    public static bool HasWide => true;
    public static Vector512<float> Invoke(Vector512<float> x) =>
        Vector512.MaxNative(x, Vector512<float>.Zero) + VectorMath.Log1PExpNegative(Vector512.Abs(x));
}

/// <summary>x².</summary>
public readonly struct SquareOp : IUnaryOp
{
    public static float Invoke(float x) => x * x;
    public static Vector<float> Invoke(Vector<float> x) => x * x;
}

public readonly struct AddOp : IBinaryOp
{
    public static float Invoke(float x, float y) => x + y;
    public static Vector<float> Invoke(Vector<float> x, Vector<float> y) => x + y;
}

public readonly struct SubtractOp : IBinaryOp
{
    public static float Invoke(float x, float y) => x - y;
    public static Vector<float> Invoke(Vector<float> x, Vector<float> y) => x - y;
}

public readonly struct MultiplyOp : IBinaryOp
{
    public static float Invoke(float x, float y) => x * y;
    public static Vector<float> Invoke(Vector<float> x, Vector<float> y) => x * y;
}

public readonly struct DivideOp : IBinaryOp
{
    public static float Invoke(float x, float y) => x / y;
    public static Vector<float> Invoke(Vector<float> x, Vector<float> y) => x / y;
}

/// <summary>(x − y)².</summary>
public readonly struct SquaredDifferenceOp : IBinaryOp
{
    public static float Invoke(float x, float y) { float d = x - y; return d * d; }
    public static Vector<float> Invoke(Vector<float> x, Vector<float> y) { var d = x - y; return d * d; }
}

/// <summary>ReLU backward from the output: dy · [y > 0].</summary>
public readonly struct ReluGradOp : IBinaryOp
{
    public static float Invoke(float dy, float y) => y > 0f ? dy : 0f;
    public static Vector<float> Invoke(Vector<float> dy, Vector<float> y) =>
        Vector.ConditionalSelect(Vector.GreaterThan(y, Vector<float>.Zero), dy, Vector<float>.Zero);
}

/// <summary>Sigmoid backward from the output: dy · y(1 − y).</summary>
public readonly struct SigmoidGradOp : IBinaryOp
{
    public static float Invoke(float dy, float y) => dy * y * (1f - y);
    public static Vector<float> Invoke(Vector<float> dy, Vector<float> y) => dy * y * (Vector<float>.One - y);
}

/// <summary>Tanh backward from the output: dy · (1 − y²).</summary>
public readonly struct TanhGradOp : IBinaryOp
{
    public static float Invoke(float dy, float y) => dy * (1f - y * y);
    public static Vector<float> Invoke(Vector<float> dy, Vector<float> y) => dy * (Vector<float>.One - y * y);
}

/// <summary>Softplus backward from the input: dy · σ(x).</summary>
public readonly struct SoftplusGradOp : IBinaryOp
{
    public static float Invoke(float dy, float x) => dy * SigmoidOp.Invoke(x);
    public static Vector<float> Invoke(Vector<float> dy, Vector<float> x) => dy * SigmoidOp.Invoke(x);
}

/// <summary>
/// Binary cross-entropy with logits, per element: ℓ(l, t) = max(l, 0) − l·t + log(1 + e^−|l|).
/// Equal to −[t log σ(l) + (1 − t) log(1 − σ(l))] but finite for any logit (no log of 0, no overflow).
/// </summary>
public readonly struct BceWithLogitsOp : IBinaryOp
{
    public static float Invoke(float l, float t) => MathF.Max(l, 0f) - l * t + MathF.Log(1f + MathF.Exp(-MathF.Abs(l)));
    public static Vector<float> Invoke(Vector<float> l, Vector<float> t) =>
        Vector.MaxNative(l, Vector<float>.Zero) - l * t + VectorMath.Log1PExpNegative(Vector.Abs(l));
    public static bool HasWide => true;
    public static Vector512<float> Invoke(Vector512<float> l, Vector512<float> t) =>
        Vector512.MaxNative(l, Vector512<float>.Zero) - l * t + VectorMath.Log1PExpNegative(Vector512.Abs(l));
}

/// <summary>∂ℓ/∂l of binary cross-entropy with logits: σ(l) − t.</summary>
public readonly struct BceWithLogitsGradOp : IBinaryOp
{
    public static float Invoke(float l, float t) => SigmoidOp.Invoke(l) - t;
    public static Vector<float> Invoke(Vector<float> l, Vector<float> t) => SigmoidOp.Invoke(l) - t;
    public static bool HasWide => true;
    public static Vector512<float> Invoke(Vector512<float> l, Vector512<float> t) => SigmoidOp.Invoke(l) - t;
}

/// <summary>
/// One term of the analytic KL(N(μ, e^lv) ‖ N(0, 1)) = −½ Σ (1 + lv − μ² − e^lv) (Kingma &amp; Welling 2014,
/// appendix B; the lecture's regularisation term): here the per-dimension term ½(μ² + e^lv − 1 − lv).
/// </summary>
public readonly struct KlTermOp : IBinaryOp
{
    public static float Invoke(float mu, float lv) => 0.5f * (mu * mu + MathF.Exp(lv) - 1f - lv);
    public static Vector<float> Invoke(Vector<float> mu, Vector<float> lv) =>
        new Vector<float>(0.5f) * (mu * mu + VectorMath.Exp(lv) - Vector<float>.One - lv);
}

/// <summary>∂KL/∂lv per dimension: ½(e^lv − 1).</summary>
public readonly struct KlLogVarGradOp : IUnaryOp
{
    public static float Invoke(float lv) => 0.5f * (MathF.Exp(lv) - 1f);
    public static Vector<float> Invoke(Vector<float> lv) =>
        new Vector<float>(0.5f) * (VectorMath.Exp(lv) - Vector<float>.One);
}

/// <summary>The reparameterization trick z = μ + σ ⊙ ε with σ = e^{½·lv} (lecture: "z = μ + σ ⊙ ε").</summary>
public readonly struct ReparameterizeOp : ITernaryOp
{
    public static float Invoke(float mu, float lv, float eps) => mu + MathF.Exp(0.5f * lv) * eps;
    public static Vector<float> Invoke(Vector<float> mu, Vector<float> lv, Vector<float> eps) =>
        mu + VectorMath.Exp(new Vector<float>(0.5f) * lv) * eps;
}

/// <summary>∂z/∂lv · dz = dz · ε · ½e^{½·lv}.</summary>
public readonly struct ReparameterizeLogVarGradOp : ITernaryOp
{
    public static float Invoke(float dz, float lv, float eps) => dz * eps * 0.5f * MathF.Exp(0.5f * lv);
    public static Vector<float> Invoke(Vector<float> dz, Vector<float> lv, Vector<float> eps)
    {
        var half = new Vector<float>(0.5f);
        return dz * eps * half * VectorMath.Exp(half * lv);
    }
}
