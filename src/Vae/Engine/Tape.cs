namespace Vae.Engine;

/// <summary>A recorded op's backward: reads node.Out.Grad and accumulates (+=) into its inputs' gradients.</summary>
public delegate void BackwardFn(Node node);

/// <summary>
/// One recorded operation: its output, up to three inputs and the few constants its backward needs.
/// Nodes are pooled by the tape and reused step after step, so recording allocates nothing in steady state.
/// </summary>
public sealed class Node
{
    public string Op { get; internal set; } = "";
    public Tensor Out { get; internal set; } = null!;
    public Tensor? A { get; internal set; }
    public Tensor? B { get; internal set; }
    public Tensor? C { get; internal set; }
    /// <summary>An op's scalar constant (e.g. the factor of Scale).</summary>
    public float Scalar { get; internal set; }
    /// <summary>A second constant (e.g. Clamp's upper bound).</summary>
    public float Bound { get; internal set; }
    /// <summary>An op's two switches (e.g. MatMul's transA/transB).</summary>
    public bool FlagA { get; internal set; }
    public bool FlagB { get; internal set; }
    /// <summary>The tape's thread count when the op ran, for backward kernels that parallelise.</summary>
    public int Threads { get; internal set; }
    internal BackwardFn? Backward;

    public IEnumerable<Tensor> Inputs
    {
        get
        {
            if (A != null) yield return A;
            if (B != null) yield return B;
            if (C != null) yield return C;
        }
    }
}

/// <summary>
/// Reverse-mode automatic differentiation by recording. Every op (see the <c>Ops</c> files) runs its forward at once
/// and appends a <see cref="Node"/>; the recording order is a topological order of the graph, so
/// <see cref="Backward"/> is one loop over the nodes in reverse. Gradients accumulate with +=, so a tensor used
/// twice receives both contributions.
/// <para>
/// Steady state without garbage: <see cref="Reset"/> rewinds the tape instead of clearing it; the next step's i-th op
/// reuses the i-th node and its output tensor (reshaped in place). Nothing here knows about VAEs.
/// </para>
/// </summary>
public sealed class Tape
{
    private readonly List<Node> _nodes = new();
    private int _count;

    /// <summary>Threads for the large kernels (matrix products): 0 = all cores.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// False for inference: outputs get no gradient buffers (less memory) and <see cref="Backward"/> is refused.
    /// </summary>
    public bool RecordsGradients { get; set; } = true;

    /// <summary>A tape for forward passes only (evaluation, pictures): no gradient buffers are allocated.</summary>
    public static Tape ForInference(int threads = 0) => new() { Threads = threads, RecordsGradients = false };

    /// <summary>The ops recorded since the last <see cref="Reset"/>, in execution order.</summary>
    public IEnumerable<Node> Nodes => _nodes.Take(_count);

    public int Count => _count;

    /// <summary>Starts a new step. Tensors returned by earlier ops will be overwritten by the new step's ops.</summary>
    public void Reset() => _count = 0;

    /// <summary>
    /// Appends a node for op <paramref name="op"/> whose output is (rows, cols). The output needs a gradient when any
    /// input has one. Called by each op's forward; the op then fills node.Out.Data.
    /// </summary>
    internal Node Record(string op, BackwardFn backward, int rows, int cols, Tensor a, Tensor? b = null, Tensor? c = null)
    {
        Node node;
        if (_count < _nodes.Count) node = _nodes[_count];
        else { node = new Node(); _nodes.Add(node); }
        _count++;

        bool needsGrad = RecordsGradients && (a.RequiresGrad || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false));
        if (node.Out == null || !ReferenceEquals(node.Op, op))
            node.Out = new Tensor(rows, cols, needsGrad, op);
        else
            node.Out.Reshape(rows, cols, needsGrad);
        node.Op = op;
        node.Backward = backward;
        node.A = a;
        node.B = b;
        node.C = c;
        node.Scalar = 0;
        node.FlagA = node.FlagB = false;
        node.Threads = Threads;
        return node;
    }

    /// <summary>
    /// Back-propagates from a scalar: zeroes every recorded output's gradient, seeds d(loss)/d(loss) = 1, then runs the
    /// backward of each node in reverse recording order. Leaf gradients (parameters) are accumulated into, not
    /// zeroed: they must be 0 before each step (Adam's update leaves them so; else <see cref="Tensor.ZeroGrad"/>).
    /// </summary>
    public void Backward(Tensor loss)
    {
        if (!RecordsGradients) throw new InvalidOperationException("this tape is for inference (RecordsGradients = false)");
        if (loss.Length != 1) throw new ArgumentException($"Backward needs a scalar (1x1) loss, got {loss.ShapeString}");
        if (!loss.RequiresGrad) throw new ArgumentException("the loss does not depend on any tensor that requires a gradient");
        for (int i = 0; i < _count; i++)
            if (_nodes[i].Out.RequiresGrad) _nodes[i].Out.Grad.Clear();
        loss.Grad[0] = 1f;
        for (int i = _count - 1; i >= 0; i--)
        {
            var node = _nodes[i];
            if (node.Out.RequiresGrad) node.Backward!(node);
        }
    }
}
