using Vae.Kernels;

namespace Vae.Tests.Kernels;

/// <summary>
/// Every vector loop of <see cref="Elementwise"/> against its scalar twin in <see cref="ElementwiseNaive"/>, at every
/// length 0..70 (straddling the 8- and 16-lane vector widths and their tails). The vector forms of exp and log are
/// polynomial approximations, so values are compared with a relative tolerance of 1e-5 (plus 1e-6 absolute).
/// </summary>
public class ElementwiseTests
{
    private const int MaxLength = 70;

    private static float[] Random(int n, int seed, float lo, float hi)
    {
        var rng = new Vae.Engine.Rng((ulong)seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.NextUniform(lo, hi);
        return a;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            float tol = 1e-6f + 1e-5f * MathF.Abs(expected[i]);
            if (!(MathF.Abs(expected[i] - actual[i]) <= tol) && !(expected[i] == actual[i]))
                Assert.Fail($"{what}: element {i} of {expected.Length}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    private static void Unary<TOp>(float lo, float hi) where TOp : struct, IUnaryOp
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Random(n, n, lo, hi);
            float[] want = new float[n], got = new float[n];
            ElementwiseNaive.Map<TOp>(x, want);
            Elementwise.Map<TOp>(x, got);
            AssertClose(want, got, $"{typeof(TOp).Name} map n={n}");

            var accWant = Random(n, n + 100, -1, 1); var accGot = (float[])accWant.Clone();
            ElementwiseNaive.Accumulate<TOp>(x, 0.75f, accWant);
            Elementwise.Accumulate<TOp>(x, 0.75f, accGot);
            AssertClose(accWant, accGot, $"{typeof(TOp).Name} accumulate n={n}");

            float sw = ElementwiseNaive.Sum<TOp>(x), sg = Elementwise.Sum<TOp>(x);
            Assert.That(sg, Is.EqualTo(sw).Within(1e-5 * (1 + Math.Abs(sw)) + 1e-5 * n),
                $"{typeof(TOp).Name} sum n={n}");
        }
    }

    private static void Binary<TOp>(float lo, float hi, float lo2, float hi2) where TOp : struct, IBinaryOp
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Random(n, n, lo, hi);
            var y = Random(n, n + 50, lo2, hi2);
            float[] want = new float[n], got = new float[n];
            ElementwiseNaive.Map<TOp>(x, y, want);
            Elementwise.Map<TOp>(x, y, got);
            AssertClose(want, got, $"{typeof(TOp).Name} map n={n}");

            var accWant = Random(n, n + 100, -1, 1); var accGot = (float[])accWant.Clone();
            ElementwiseNaive.Accumulate<TOp>(x, y, -1.25f, accWant);
            Elementwise.Accumulate<TOp>(x, y, -1.25f, accGot);
            AssertClose(accWant, accGot, $"{typeof(TOp).Name} accumulate n={n}");

            float sw = ElementwiseNaive.Sum<TOp>(x, y), sg = Elementwise.Sum<TOp>(x, y);
            Assert.That(sg, Is.EqualTo(sw).Within(1e-5 * (1 + Math.Abs(sw)) + 1e-5 * n),
                $"{typeof(TOp).Name} sum n={n}");
        }
    }

    private static void Ternary<TOp>() where TOp : struct, ITernaryOp
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Random(n, n, -2, 2); var y = Random(n, n + 1, -3, 3); var z = Random(n, n + 2, -2, 2);
            float[] want = new float[n], got = new float[n];
            ElementwiseNaive.Map<TOp>(x, y, z, want);
            Elementwise.Map<TOp>(x, y, z, got);
            AssertClose(want, got, $"{typeof(TOp).Name} map n={n}");
            var accWant = Random(n, n + 3, -1, 1); var accGot = (float[])accWant.Clone();
            ElementwiseNaive.Accumulate<TOp>(x, y, z, accWant);
            Elementwise.Accumulate<TOp>(x, y, z, accGot);
            AssertClose(accWant, accGot, $"{typeof(TOp).Name} accumulate n={n}");
        }
    }

    [Test] public void Identity() => Unary<IdentityOp>(-3, 3);
    [Test] public void Relu() => Unary<ReluOp>(-3, 3);
    [Test] public void Sigmoid() => Unary<SigmoidOp>(-30, 30);
    [Test] public void Tanh() => Unary<TanhOp>(-10, 10);
    [Test] public void Exp() => Unary<ExpOp>(-20, 20);
    [Test] public void Log() => Unary<LogOp>(1e-3f, 100);
    [Test] public void Softplus() => Unary<SoftplusOp>(-30, 30);
    [Test] public void Square() => Unary<SquareOp>(-3, 3);
    [Test] public void KlLogVarGrad() => Unary<KlLogVarGradOp>(-10, 5);
    [Test] public void Add() => Binary<AddOp>(-3, 3, -3, 3);
    [Test] public void Subtract() => Binary<SubtractOp>(-3, 3, -3, 3);
    [Test] public void Multiply() => Binary<MultiplyOp>(-3, 3, -3, 3);
    [Test] public void Divide() => Binary<DivideOp>(-3, 3, 0.5f, 3);
    [Test] public void SquaredDifference() => Binary<SquaredDifferenceOp>(-3, 3, -3, 3);
    [Test] public void ReluGrad() => Binary<ReluGradOp>(-3, 3, -3, 3);
    [Test] public void SigmoidGrad() => Binary<SigmoidGradOp>(-3, 3, 0, 1);
    [Test] public void TanhGrad() => Binary<TanhGradOp>(-3, 3, -1, 1);
    [Test] public void SoftplusGrad() => Binary<SoftplusGradOp>(-3, 3, -30, 30);
    [Test] public void BceWithLogits() => Binary<BceWithLogitsOp>(-100, 100, 0, 1);
    [Test] public void BceWithLogitsGrad() => Binary<BceWithLogitsGradOp>(-100, 100, 0, 1);
    [Test] public void KlTerm() => Binary<KlTermOp>(-3, 3, -10, 5);
    [Test] public void Reparameterize() => Ternary<ReparameterizeOp>();
    [Test] public void ReparameterizeLogVarGrad() => Ternary<ReparameterizeLogVarGradOp>();

    [Test]
    public void ReductionsAndRowKernels()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Random(n, n, -5, 5);
            Assert.That(Elementwise.Max(x), Is.EqualTo(ElementwiseNaive.Max(x)), $"max n={n}");
            float shift = n == 0 ? 0 : ElementwiseNaive.Max(x);
            Assert.That(Elementwise.SumExpShifted(x, shift),
                Is.EqualTo(ElementwiseNaive.SumExpShifted(x, shift)).Within(1e-5 * (1 + n)), $"sumexp n={n}");
            var want = Random(n, 7, -1, 1); var got = (float[])want.Clone();
            ElementwiseNaive.AccumulateExpShifted(x, shift, 0.3f, want);
            Elementwise.AccumulateExpShifted(x, shift, 0.3f, got);
            AssertClose(want, got, $"accumulate exp n={n}");
        }
        foreach (int rows in new[] { 0, 1, 3 })
            for (int cols = 0; cols <= MaxLength; cols++)
            {
                var x = Random(rows * cols, cols, -2, 2); var b = Random(cols, cols + 9, -2, 2);
                float[] want = new float[rows * cols], got = new float[rows * cols];
                ElementwiseNaive.AddRowVector(x, b, rows, cols, want);
                Elementwise.AddRowVector(x, b, rows, cols, got);
                AssertClose(want, got, $"add row vector {rows}x{cols}");
                float[] cw = Random(cols, 3, -1, 1), cg = (float[])cw.Clone();
                ElementwiseNaive.AccumulateColumnSums(x, rows, cols, cw);
                Elementwise.AccumulateColumnSums(x, rows, cols, cg);
                AssertClose(cw, cg, $"column sums {rows}x{cols}");
            }
    }

    [Test]
    public void MismatchedLengthsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Elementwise.Map<ReluOp>(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => Elementwise.Map<AddOp>(new float[3], new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => ElementwiseNaive.Map<AddOp>(new float[3], new float[2], new float[3]));
    }

    [Test]
    public void InPlaceMapIsAllowed()
    {
        var x = Random(41, 1, -2, 2);
        var want = x.Select(MathF.Exp).ToArray();
        Elementwise.Map<ExpOp>(x, x);
        AssertClose(want, x, "in-place exp");
    }
}
