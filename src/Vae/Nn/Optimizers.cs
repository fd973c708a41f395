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

    /// <summary>Threads for the update: 0 = all cores. Each element is updated alone, so the count never changes results.</summary>
    public int Threads { get; set; }

    public unsafe void Update(Span<float> p, ReadOnlySpan<float> g)
    {
        if (p.Length != M.Length || g.Length != M.Length) throw new ArgumentException("buffer sizes do not match the optimizer");
        Step++;
        float c1 = 1f - MathF.Pow(Beta1, Step);
        float c2 = 1f - MathF.Pow(Beta2, Step);
        fixed (float* pp = p, pg = g, pm = M, pv = V)
        {
            var job = new Job
            {
                P = pp, G = pg, M = pm, V = pv, Length = p.Length,
                Beta1 = Beta1, Beta2 = Beta2, Epsilon = Epsilon,
                StepSize = LearningRate / c1, InvSqrtC2 = 1f / MathF.Sqrt(c2),
            };
            // Large buffers (the default VAE has 650k parameters) are split in contiguous parts over the cores.
            int threads = Threads > 0 ? Threads : Environment.ProcessorCount;
            job.Parts = p.Length < 1 << 16 ? 1 : Math.Min(8, 2 * threads);
            if (job.Parts == 1) UpdateRange(ref job, 0, p.Length);
            else Kernels.WorkerPool.Run(job.Parts, threads, &RunPart, &job);
        }
    }

    /// <summary>FLT_MIN, the smallest normal float (2^−126); below it lie the slow subnormals.</summary>
    private const float SmallestNormal = 1.17549435e-38f;

    private unsafe struct Job
    {
        public float* P, G, M, V;
        public int Length, Parts;
        public float Beta1, Beta2, Epsilon, StepSize, InvSqrtC2;
    }

    private static unsafe void RunPart(void* state, int part)
    {
        ref Job job = ref *(Job*)state;
        int w = Vector<float>.Count;
        // Part boundaries on whole vectors, so each part but the last has no scalar tail.
        int per = (job.Length / job.Parts + w - 1) / w * w;
        int start = Math.Min(job.Length, part * per);
        int end = part == job.Parts - 1 ? job.Length : Math.Min(job.Length, start + per);
        UpdateRange(ref job, start, end);
    }

    /// <summary>
    /// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − stepSize · m / (√v · invSqrtC2 + ε), on [start, end).
    /// Moments below the smallest normal float are stored as 0: the weights of pixels that are almost never lit get a
    /// gradient rarely, their m then decays by β₁ = 0.9 a step into the subnormal range within a few hundred steps,
    /// and x86 computes on subnormals some hundred times slower (measured: Adam 0.4 → 1.4 ms a step after 10 epochs).
    /// The update such an m would make is below 1e-30 — far under a weight's float resolution, so nothing changes.
    /// </summary>
    private static unsafe void UpdateRange(ref Job job, int start, int end)
    {
        float* p = job.P, g = job.G, m = job.M, v = job.V;
        int w = Vector<float>.Count, i = start;
        var b1 = new Vector<float>(job.Beta1); var ob1 = new Vector<float>(1f - job.Beta1);
        var b2 = new Vector<float>(job.Beta2); var ob2 = new Vector<float>(1f - job.Beta2);
        var eps = new Vector<float>(job.Epsilon); var ss = new Vector<float>(job.StepSize); var ic2 = new Vector<float>(job.InvSqrtC2);
        var tiny = new Vector<float>(SmallestNormal);
        for (; i <= end - w; i += w)
        {
            var gi = Vector.Load(g + i);
            var mi = b1 * Vector.Load(m + i) + ob1 * gi;
            var vi = b2 * Vector.Load(v + i) + ob2 * gi * gi;
            mi = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(mi), tiny), Vector<float>.Zero, mi);
            vi = Vector.ConditionalSelect(Vector.LessThan(vi, tiny), Vector<float>.Zero, vi);
            mi.Store(m + i);
            vi.Store(v + i);
            (Vector.Load(p + i) - ss * mi / (Vector.SquareRoot(vi) * ic2 + eps)).Store(p + i);
        }
        for (; i < end; i++)
        {
            m[i] = job.Beta1 * m[i] + (1f - job.Beta1) * g[i];
            v[i] = job.Beta2 * v[i] + (1f - job.Beta2) * g[i] * g[i];
            if (MathF.Abs(m[i]) < SmallestNormal) m[i] = 0f;
            if (v[i] < SmallestNormal) v[i] = 0f;
            p[i] -= job.StepSize * m[i] / (MathF.Sqrt(v[i]) * job.InvSqrtC2 + job.Epsilon);
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
