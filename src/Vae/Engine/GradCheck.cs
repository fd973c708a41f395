
namespace Vae.Engine;

/// <summary>One line of a gradient check: how far the tape's gradient is from the central difference.</summary>
public sealed record GradCheckResult(string Name, int Checked, double MaxAbsError, double MaxRelError, bool Passed);

/// <summary>
/// Finite-difference gradient checking: for each checked element x_i, the numeric derivative
/// (f(x + h·e_i) − f(x − h·e_i)) / 2h is compared with what <see cref="Tape.Backward"/> accumulated.
/// An element passes when |analytic − numeric| ≤ AbsTolerance + RelTolerance·|numeric|. The forward runs in
/// float32, so h cannot be tiny: with h = 5e-3 the rounding error of a loss of size ~10 is ~1e-4 and the truncation
/// error O(h²) is of the same order, which is why the tolerances are 2e-3 absolute plus 2e-2 relative.
/// </summary>
public static class GradCheck
{
    public const float Step = 5e-3f;
    public const double AbsTolerance = 2e-3;
    public const double RelTolerance = 2e-2;

    /// <summary>
    /// Checks d loss / d input for every input that requires a gradient. <paramref name="loss"/> must rebuild the
    /// scalar loss from the inputs' current values on the given (reset) tape. At most <paramref name="maxPerInput"/>
    /// elements of each input are checked, chosen by <paramref name="sample"/> when there are more.
    /// </summary>
    public static GradCheckResult Check(string name, Func<Tape, Tensor> loss, IReadOnlyList<Tensor> inputs,
        int maxPerInput = int.MaxValue, Rng? sample = null)
    {
        var tape = new Tape { Threads = 1 };
        foreach (var t in inputs) t.ZeroGrad();
        tape.Reset();
        var l = loss(tape);
        tape.Backward(l);
        var analytic = inputs.Select(t => t.RequiresGrad ? t.Grad.ToArray() : []).ToArray();

        double maxAbs = 0, maxRel = 0;
        int checkedCount = 0;
        bool passed = true;
        for (int ti = 0; ti < inputs.Count; ti++)
        {
            var t = inputs[ti];
            if (!t.RequiresGrad) continue;
            foreach (int i in Indices(t.Length, maxPerInput, sample))
            {
                float saved = t.Data[i];
                t.Data[i] = saved + Step;
                tape.Reset();
                double plus = loss(tape).Value;
                t.Data[i] = saved - Step;
                tape.Reset();
                double minus = loss(tape).Value;
                t.Data[i] = saved;
                double numeric = (plus - minus) / (2 * Step);
                double abs = Math.Abs(analytic[ti][i] - numeric);
                double rel = abs / Math.Max(Math.Abs(numeric), 1e-6);
                maxAbs = Math.Max(maxAbs, abs);
                if (Math.Abs(numeric) > AbsTolerance) maxRel = Math.Max(maxRel, rel);
                if (!(abs <= AbsTolerance + RelTolerance * Math.Abs(numeric))) passed = false;
                checkedCount++;
            }
        }
        return new GradCheckResult(name, checkedCount, maxAbs, maxRel, passed);
    }

    private static IEnumerable<int> Indices(int length, int max, Rng? sample)
    {
        if (length <= max || sample == null)
        {
            for (int i = 0; i < Math.Min(length, max); i++) yield return i;
            yield break;
        }
        for (int j = 0; j < max; j++) yield return sample.NextInt(length);
    }

    /// <summary>
    /// Every op of the engine on random shapes (including odd sizes), each wrapped as Σ(op(inputs) ⊙ W) with a fixed
    /// random W so that every output element carries a different weight. Shared by the tests and `vae gradcheck`.
    /// </summary>
    public static IReadOnlyList<GradCheckResult> CheckAllOps(ulong seed = 1)
    {
        var rng = new Rng(seed);
        var results = new List<GradCheckResult>();
        int Odd() => 1 + 2 * rng.NextInt(5);           // 1, 3, 5, 7 or 9
        int Any() => 1 + rng.NextInt(9);
        Tensor Rand(int r, int c, float lo = -2f, float hi = 2f, bool grad = true, string name = "x")
        {
            var t = new Tensor(r, c, grad, name);
            foreach (ref float v in t.Data) v = rng.NextUniform(lo, hi);
            return t;
        }
        // Values kept away from the kink of ReLU and |x| so that x ± h stays on one side of it.
        Tensor AwayFromZero(int r, int c)
        {
            var t = Rand(r, c);
            foreach (ref float v in t.Data) v = MathF.CopySign(0.1f + MathF.Abs(v), v);
            return t;
        }
        void Run(string name, Func<Tape, Tensor> op, params Tensor[] inputs)
        {
            var probe = op(new Tape());
            var w = Rand(probe.Rows, probe.Cols, grad: false, name: "w");
            results.Add(Check(name, tape => tape.Sum(tape.Multiply(op(tape), w)), inputs));
        }

        int r = Odd(), c = Any(), k = Odd();
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var a = ta ? Rand(k, r) : Rand(r, k);
            var b = tb ? Rand(c, k) : Rand(k, c);
            Run($"matmul{(ta ? " Aᵀ" : "")}{(tb ? " Bᵀ" : "")}", t => t.MatMul(a, b, ta, tb), a, b);
        }
        { var x = Rand(r, c); var b = Rand(1, c); Run("add_bias", t => t.AddBias(x, b), x, b); }
        { var x = Rand(r, c); var y = Rand(r, c); Run("add", t => t.Add(x, y), x, y); }
        { var x = Rand(r, c); var y = Rand(r, c); Run("subtract", t => t.Subtract(x, y), x, y); }
        { var x = Rand(r, c); var y = Rand(r, c); Run("multiply", t => t.Multiply(x, y), x, y); }
        { var x = Rand(r, c); Run("multiply (x·x)", t => t.Multiply(x, x), x); }
        { var x = Rand(r, c); Run("scale", t => t.Scale(x, -1.7f), x); }
        { var x = Rand(r, c); Run("add_scalar", t => t.AddScalar(x, 0.6f), x); }
        { var x = AwayFromZero(r, c); Run("abs", t => t.Abs(x), x); }
        { var x = Rand(r, c, -2f, 1.5f); Run("exp", t => t.Exp(x), x); }
        { var x = Rand(r, c, 0.5f, 3f); Run("log", t => t.Log(x), x); }
        { var x = AwayFromZero(r, c); Run("relu", t => t.Relu(x), x); }
        { var x = Rand(r, c, -4f, 4f); Run("sigmoid", t => t.Sigmoid(x), x); }
        { var x = Rand(r, c); Run("tanh", t => t.Tanh(x), x); }
        { var x = Rand(r, c, -4f, 4f); Run("softplus", t => t.Softplus(x), x); }
        {
            var x = Rand(r, c);
            // keep x ± h off the bounds
            foreach (ref float v in x.Data) if (MathF.Abs(MathF.Abs(v) - 1f) < 0.05f) v = 0f;
            Run("clamp", t => t.Clamp(x, -1f, 1f), x);
        }
        { var x = Rand(r, c); Run("sum", t => t.Sum(x), x); }
        { var x = Rand(r, c); Run("mean", t => t.Mean(x), x); }
        { var x = Rand(r, c); Run("sum_rows", t => t.SumRows(x), x); }
        { var x = Rand(r, c); Run("mean_rows", t => t.MeanRows(x), x); }
        { var x = Rand(r, c, -3f, 3f); Run("logsumexp_rows", t => t.LogSumExpRows(x), x); }
        {
            var l = Rand(r, c, -5f, 5f); var y = Rand(r, c, 0f, 1f, grad: false, name: "target");
            Run("bce_with_logits", t => t.BceWithLogits(l, y), l);
        }
        {
            var m = Rand(r, c); var y = Rand(r, c, 0f, 1f, grad: false);
            Run("gaussian_nll", t => t.GaussianNll(m, y), m);
        }
        { var p = Rand(r, c); var y = Rand(r, c); Run("squared_error", t => t.SquaredError(p, y), p, y); }
        { var m = Rand(r, c); var lv = Rand(r, c); Run("kl_standard_normal", t => t.KlStandardNormal(m, lv), m, lv); }
        {
            var m = Rand(r, c); var lv = Rand(r, c); var eps = Rand(r, c, -2f, 2f, grad: false, name: "eps");
            Run("reparameterize", t => t.Reparameterize(m, lv, eps), m, lv);
        }
        { var x = Rand(r, c); Run("repeat_rows", t => t.RepeatRows(x, 3), x); }
        { var x = Rand(r, 2 * c); Run("reshape", t => t.Reshape(x, 2 * r, c), x); }
        // Last, so the ops above keep the inputs they had before it was added (docs cite their figures).
        { var x = Rand(r, k); var w = Rand(c, k); var b = Rand(1, c); Run("linear", t => t.Linear(x, w, b), x, w, b); }
        return results;
    }
}
