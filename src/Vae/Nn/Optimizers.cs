using System.Numerics;

namespace Vae.Nn;

/// <summary>An optimizer updates the flat parameter buffer from the flat gradient buffer in one loop.</summary>
public interface IOptimizer
{
    /// <summary>Number of updates made so far.</summary>
    long Step { get; }
    void Update(Span<float> parameters, ReadOnlySpan<float> grads);
}

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with PyTorch's bias correction:
/// m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
/// </summary>
public sealed class Adam : IOptimizer
{
    public float LearningRate { get; set; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public long Step { get; private set; }

    /// <summary>First and second moment buffers, parallel to the parameter buffer (saved with checkpoints).</summary>
    public float[] M { get; }
    public float[] V { get; }

    public Adam(int count, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        M = new float[count];
        V = new float[count];
    }

    /// <summary>Restores the position of a saved run (moments are restored into <see cref="M"/> and <see cref="V"/>).</summary>
    public void Restore(long step) => Step = step;

    public void Update(Span<float> p, ReadOnlySpan<float> g)
    {
        if (p.Length != M.Length || g.Length != M.Length) throw new ArgumentException("buffer sizes do not match the optimizer");
        Step++;
        float c1 = 1f - MathF.Pow(Beta1, Step);
        float c2 = 1f - MathF.Pow(Beta2, Step);
        float stepSize = LearningRate / c1;
        float invSqrtC2 = 1f / MathF.Sqrt(c2);

        Span<float> m = M, v = V;
        int w = Vector<float>.Count, i = 0;
        var b1 = new Vector<float>(Beta1); var ob1 = new Vector<float>(1f - Beta1);
        var b2 = new Vector<float>(Beta2); var ob2 = new Vector<float>(1f - Beta2);
        var eps = new Vector<float>(Epsilon); var ss = new Vector<float>(stepSize); var ic2 = new Vector<float>(invSqrtC2);
        for (; i <= p.Length - w; i += w)
        {
            var gi = new Vector<float>(g[i..]);
            var mi = b1 * new Vector<float>(m[i..]) + ob1 * gi;
            var vi = b2 * new Vector<float>(v[i..]) + ob2 * gi * gi;
            mi.CopyTo(m[i..]);
            vi.CopyTo(v[i..]);
            (new Vector<float>(p[i..]) - ss * mi / (Vector.SquareRoot(vi) * ic2 + eps)).CopyTo(p[i..]);
        }
        for (; i < p.Length; i++)
        {
            m[i] = Beta1 * m[i] + (1f - Beta1) * g[i];
            v[i] = Beta2 * v[i] + (1f - Beta2) * g[i] * g[i];
            p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) * invSqrtC2 + Epsilon);
        }
    }
}

/// <summary>Plain stochastic gradient descent, with optional momentum (PyTorch's form: b ← μb + g; p ← p − lr·b).</summary>
public sealed class Sgd : IOptimizer
{
    private readonly float[] _velocity;

    public float LearningRate { get; set; }
    public float Momentum { get; }
    public long Step { get; private set; }

    public Sgd(int count, float learningRate, float momentum = 0f)
    {
        LearningRate = learningRate;
        Momentum = momentum;
        _velocity = new float[count];
    }

    public void Update(Span<float> p, ReadOnlySpan<float> g)
    {
        if (p.Length != _velocity.Length || g.Length != _velocity.Length) throw new ArgumentException("buffer sizes do not match the optimizer");
        Step++;
        for (int i = 0; i < p.Length; i++)
        {
            float d = g[i];
            if (Momentum != 0f) d = _velocity[i] = Momentum * _velocity[i] + d;
            p[i] -= LearningRate * d;
        }
    }
}
