using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vae.Engine;

namespace Vae.Nn;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with PyTorch's bias correction:
/// m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
/// <para>
/// The update consumes the gradients: each is set to 0 as it is read, so the next backward pass accumulates into a
/// clean buffer and a training step needs no separate zeroing pass over all 650k gradients.
/// </para>
/// </summary>
public sealed class Adam
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

    /// <summary>Restores the position of a saved run (moments are restored into <see cref="M"/> and <see
    /// cref="V"/>).</summary>
    public void Restore(long step) => Step = step;

    /// <summary>Threads for the update: 0 = all cores. Each element is updated alone, so the count never changes
    /// results.</summary>
    public int Threads { get; set; }

    /// <summary>One step: updates <paramref name="p"/> from <paramref name="g"/>, and leaves g all 0.</summary>
    public void Update(Span<float> p, Span<float> g) => Update(p, g, scalar: false);

    /// <summary>The same step by the scalar loop alone: the twin the vector loop is tested against.</summary>
    internal void UpdateScalar(Span<float> p, Span<float> g) => Update(p, g, scalar: true);

    private unsafe void Update(Span<float> p, Span<float> g, bool scalar)
    {
        if (p.Length != M.Length || g.Length != M.Length)
            throw new ArgumentException("buffer sizes do not match the optimizer");
        var job = BeginStep(scalar);
        fixed (float* pp = p, pg = g, pm = M, pv = V)
        {
            job.P = pp; job.G = pg; job.M = pm; job.V = pv;
            UpdateParallel(ref job, 0, p.Length);
        }
    }

    /// <summary>Step t begins: t ← t + 1 and the job with this step's bias-corrected coefficients.</summary>
    private Job BeginStep(bool scalar)
    {
        Step++;
        float c1 = 1f - MathF.Pow(Beta1, Step);
        float c2 = 1f - MathF.Pow(Beta2, Step);
        return new Job
        {
            Beta1 = Beta1, Beta2 = Beta2, Epsilon = Epsilon,
            StepSize = LearningRate / c1, InvSqrtC2 = 1f / MathF.Sqrt(c2), Scalar = scalar,
        };
    }

    /// <summary>Updates [start, end) of the job's buffers, split in contiguous parts over the cores when large.</summary>
    private unsafe void UpdateParallel(ref Job job, int start, int end)
    {
        // Large buffers (the default VAE has 650k parameters) are split in contiguous parts over the cores.
        int threads = Threads > 0 ? Threads : Environment.ProcessorCount;
        int length = end - start;
        job.Parts = length < 1 << 16 ? 1 : Math.Min(8, 2 * threads);
        if (job.Parts == 1) UpdateRange(ref job, start, end);
        else
        {
            var part = job;
            part.P = job.P + start; part.G = job.G + start; part.M = job.M + start; part.V = job.V + start;
            part.Length = length;
            Kernels.WorkerPool.Run(part.Parts, threads, &RunPart, &part);
        }
    }

    /// <summary>
    /// Backward pass and this update in one: each weight whose gradient comes from one matrix product is updated
    /// strip by strip as the product's kernel finishes each (<see cref="Tensor.GradientSink"/>), so that gradient is
    /// never written to memory and read back; every other parameter (biases; a weight used twice or by a product with
    /// more than <see cref="Kernels.Gemm.MaxSinkK"/> rows) is updated after the pass from its gradient as usual.
    /// Each element gets exactly the operations of <see cref="Update"/>: same bits. Gradients are not kept (those the
    /// sinks took were never written; the rest are left 0 as by <see cref="Update"/>), so there is no gradient to clip.
    /// A weight's gradient is final before its update (its one use is that product), and the product's other half,
    /// the input's gradient, is computed before it (it reads the weight).
    /// </summary>
    public unsafe void BackwardAndUpdate(Tape tape, Tensor loss, ParameterSet parameters)
    {
        if (parameters.Count != M.Length) throw new ArgumentException("parameter count does not match the optimizer");
        var job = BeginStep(scalar: false);
        int n = parameters.Tensors.Count;
        if (_sinks.Length != n) _sinks = new SinkState[n];
        var sinks = _sinks; // pinned below: the GEMM's threads reach it through the sinks
        fixed (float* pp = parameters.Values, pg = parameters.Grads, pm = M, pv = V)
        fixed (SinkState* ps = sinks)
        {
            job.P = pp; job.G = pg; job.M = pm; job.V = pv;
            try
            {
                for (int i = 0; i < n; i++)
                {
                    int o = parameters.Offset(i);
                    var t = parameters[i];
                    ps[i] = new SinkState { Job = job, P = pp + o, M = pm + o, V = pv + o, Cols = t.Cols };
                    t.GradientSink = new Kernels.TileSink(&TakeTile, ps + i);
                }
                tape.Backward(loss);
            }
            finally
            {
                for (int i = 0; i < n; i++) parameters[i].GradientSink = default;
            }
            // The parameters no sink took, as runs of neighbours in the flat buffer.
            for (int i = 0; i < n;)
            {
                if (ps[i].Taken != 0) { i++; continue; }
                int start = parameters.Offset(i), j = i;
                while (j < n && ps[j].Taken == 0) j++;
                int end = j < n ? parameters.Offset(j) : parameters.Count;
                UpdateParallel(ref job, start, end);
                i = j;
            }
        }
    }

    private SinkState[] _sinks = [];

    /// <summary>A weight's place in the buffers, for <see cref="TakeTile"/>.</summary>
    private unsafe struct SinkState
    {
        public Job Job;
        public float* P, M, V;
        public int Cols, Taken;
    }

    /// <summary>One finished tile of a weight's gradient: the update of those elements, row by row.</summary>
    private static unsafe void TakeTile(void* state, int row, int col, float* tile, int ldt, int rows, int cols)
    {
        ref SinkState s = ref *(SinkState*)state;
        if (s.Taken == 0) s.Taken = 1; // written once: the threads sharing this state then only read its line
        var job = s.Job;
        if (col == 0 && cols == s.Cols && ldt == cols)
        {
            // Whole rows, laid out as the weight: one contiguous run of weights, moments and gradient.
            long at = (long)row * s.Cols;
            job.P = s.P + at; job.G = tile; job.M = s.M + at; job.V = s.V + at;
            UpdateRange(ref job, 0, rows * cols);
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            long at = (long)(row + r) * s.Cols + col;
            job.P = s.P + at; job.G = tile + r * ldt; job.M = s.M + at; job.V = s.V + at;
            UpdateRange(ref job, 0, cols);
        }
    }

    /// <summary>FLT_MIN, the smallest normal float (2^−126); below it lie the slow subnormals.</summary>
    private const float SmallestNormal = 1.17549435e-38f;

    private unsafe struct Job
    {
        public float* P, G, M, V;
        public int Length, Parts;
        public float Beta1, Beta2, Epsilon, StepSize, InvSqrtC2;
        public bool Scalar;
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
    /// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − stepSize · m / (√v · invSqrtC2 + ε); g ← 0; on [start, end).
    /// Moments below the smallest normal float are stored as 0: the weights of pixels that are almost never lit get a
    /// gradient rarely, their m then decays by β₁ = 0.9 a step into the subnormal range within a few hundred steps,
    /// and x86 computes on subnormals some hundred times slower (measured: Adam 0.4 → 1.4 ms a step after 10 epochs).
    /// The update such an m would make is below 1e-30 — far under a weight's float resolution, so nothing changes.
    /// The vector loop does exactly the scalar loop's operations (no fused multiply-add), so the two agree bit for bit.
    /// </summary>
    /// <remarks>Compiled fully optimised at the first call, like the GEMM: perf caught the biases' updates (a few
    /// calls a step) still running the tiered JIT's first, unoptimised code thousands of steps into a run.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void UpdateRange(ref Job job, int start, int end)
    {
        float* p = job.P, g = job.G, m = job.M, v = job.V;
        int i = start;
        if (!job.Scalar && Avx512F.IsSupported) i = UpdateRange512(ref job, start, end);
        int w = Vector<float>.Count;
        var b1 = new Vector<float>(job.Beta1); var ob1 = new Vector<float>(1f - job.Beta1);
        var b2 = new Vector<float>(job.Beta2); var ob2 = new Vector<float>(1f - job.Beta2);
        var eps = new Vector<float>(job.Epsilon); var ss = new Vector<float>(job.StepSize);
        var ic2 = new Vector<float>(job.InvSqrtC2);
        var tiny = new Vector<float>(SmallestNormal);
        for (; !job.Scalar && i <= end - w; i += w)
        {
            var gi = Vector.Load(g + i);
            Vector<float>.Zero.Store(g + i);
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
            float gi = g[i];
            g[i] = 0f;
            m[i] = job.Beta1 * m[i] + (1f - job.Beta1) * gi;
            v[i] = job.Beta2 * v[i] + (1f - job.Beta2) * gi * gi;
            if (MathF.Abs(m[i]) < SmallestNormal) m[i] = 0f;
            if (v[i] < SmallestNormal) v[i] = 0f;
            p[i] -= job.StepSize * m[i] / (MathF.Sqrt(v[i]) * job.InvSqrtC2 + job.Epsilon);
        }
    }

    /// <summary>
    /// The same loop 16 wide, for AVX-512 machines, where <see cref="Vector{T}"/> is only 256 bits: the square root
    /// and the division dominate, and a zmm instruction does twice a ymm one's elements (measured on a Cascade Lake
    /// Xeon: 24 → 16 cycles per 8 parameters, thread CPU time). Returns where the 256-bit loop takes over.
    /// Same operations in the same order as the scalar loop, so still bit-identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int UpdateRange512(ref Job job, int start, int end)
    {
        float* p = job.P, g = job.G, m = job.M, v = job.V;
        var b1 = Vector512.Create(job.Beta1); var ob1 = Vector512.Create(1f - job.Beta1);
        var b2 = Vector512.Create(job.Beta2); var ob2 = Vector512.Create(1f - job.Beta2);
        var eps = Vector512.Create(job.Epsilon); var ss = Vector512.Create(job.StepSize);
        var ic2 = Vector512.Create(job.InvSqrtC2);
        var tiny = Vector512.Create(SmallestNormal);
        int i = start;
        for (; i <= end - 16; i += 16)
        {
            var gi = Vector512.Load(g + i);
            Vector512<float>.Zero.Store(g + i);
            var mi = b1 * Vector512.Load(m + i) + ob1 * gi;
            var vi = b2 * Vector512.Load(v + i) + ob2 * gi * gi;
            mi = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(mi), tiny), Vector512<float>.Zero, mi);
            vi = Vector512.ConditionalSelect(Vector512.LessThan(vi, tiny), Vector512<float>.Zero, vi);
            mi.Store(m + i);
            vi.Store(v + i);
            (Vector512.Load(p + i) - ss * mi / (Vector512.Sqrt(vi) * ic2 + eps)).Store(p + i);
        }
        return i;
    }
}
