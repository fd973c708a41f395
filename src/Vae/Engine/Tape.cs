using System.Diagnostics;

namespace Vae.Engine;

/// <summary>A recorded op's backward: reads node.Out.Grad and accumulates (+=) into its inputs' gradients.</summary>
public delegate void BackwardFn<TParams>(Node<TParams> node) where TParams : struct, IOpParams;

/// <summary>
/// One recorded operation: what it was, its output, up to three inputs. An op with constants records a
/// <see cref="Node{TParams}"/> whose <c>Params</c> holds them, typed (e.g. MatMul's transposes, Clamp's bounds).
/// Nodes are pooled by the tape and reused step after step, so recording allocates nothing in steady state.
/// </summary>
public abstract class Node
{
    public OpKind Kind { get; internal set; }
    public Tensor Out { get; internal set; } = null!;
    public Tensor? A { get; internal set; }
    public Tensor? B { get; internal set; }
    public Tensor? C { get; internal set; }
    /// <summary>The tape's thread count when the op ran, for backward kernels that parallelise.</summary>
    public int Threads { get; internal set; }

    /// <summary>The op's name as graphs show it, e.g. "bce_with_logits".</summary>
    public string Name => OpKinds.Name(Kind);

    /// <summary>The op's constants for display (" Aᵀ", " ×0.5", " [-30, 20]"), or "".</summary>
    public abstract string ParamsText { get; }

    internal abstract void RunBackward();

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

/// <summary>A node whose op carries constants of type <typeparamref name="TParams"/>.</summary>
public sealed class Node<TParams> : Node where TParams : struct, IOpParams
{
    public TParams Params { get; internal set; }
    internal BackwardFn<TParams> Backward = null!;
    public override string ParamsText => Params.Describe();
    internal override void RunBackward() => Backward(this);
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
    private bool _backwardRunning;   // still true after a backward pass that threw: its gradients need clearing

    /// <summary>Threads for the large kernels (matrix products): 0 = all cores.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// False for inference: outputs get no gradient buffers (less memory) and <see cref="Backward"/> is refused.
    /// </summary>
    public bool RecordsGradients { get; set; } = true;

    /// <summary>When set, every op is timed into it (forward and backward, per kind); see <see cref="OpProfile"/>.</summary>
    public OpProfile? Profile { get; set; }

    /// <summary>A tape for forward passes only (evaluation, pictures): no gradient buffers are allocated.</summary>
    public static Tape ForInference(int threads = 0) => new() { Threads = threads, RecordsGradients = false };

    /// <summary>The ops recorded since the last <see cref="Reset"/>, in execution order.</summary>
    public IEnumerable<Node> Nodes => _nodes.Take(_count);

    public int Count => _count;

    /// <summary>Starts a new step. Tensors returned by earlier ops will be overwritten by the new step's ops.</summary>
    public void Reset() => _count = 0;

    /// <summary>
    /// Appends a node for op <paramref name="kind"/> whose output is (rows, cols). The output needs a gradient when any
    /// input has one. Called by each op's forward; the op then fills node.Out.Data.
    /// </summary>
    internal Node<TParams> Record<TParams>(OpKind kind, BackwardFn<TParams> backward, int rows, int cols,
        TParams parameters, Tensor a, Tensor? b = null, Tensor? c = null) where TParams : struct, IOpParams
    {
        Profile?.StartForward(kind);
        // The i-th op of a step is normally the i-th op of the last step too: reuse its node and output tensor.
        Node<TParams> node;
        bool fresh = _count >= _nodes.Count || _nodes[_count] is not Node<TParams>;
        if (!fresh) node = (Node<TParams>)_nodes[_count];
        else
        {
            node = new Node<TParams>();
            if (_count < _nodes.Count) _nodes[_count] = node;
            else _nodes.Add(node);
        }
        _count++;

        bool needsGrad = RecordsGradients
            && (a.RequiresGrad || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false));
        if (fresh || node.Kind != kind)
            node.Out = new Tensor(rows, cols, needsGrad, OpKinds.Name(kind));
        else
            node.Out.Reshape(rows, cols, needsGrad);
        node.Kind = kind;
        node.Backward = backward;
        node.Params = parameters;
        node.A = a;
        node.B = b;
        node.C = c;
        node.Threads = Threads;
        return node;
    }

    /// <summary>Appends a node for an op without constants.</summary>
    internal Node<NoParams> Record(OpKind kind, BackwardFn<NoParams> backward, int rows, int cols, Tensor a,
        Tensor? b = null, Tensor? c = null) => Record(kind, backward, rows, cols, default(NoParams), a, b, c);

    /// <summary>
    /// Back-propagates from a scalar: seeds d(loss)/d(loss) = 1, then runs the backward of each node in reverse
    /// recording order. Leaf gradients (parameters) are accumulated into, not zeroed: they must be 0 before each step
    /// (Adam's update leaves them so; else <see cref="Tensor.ZeroGrad"/>). The recorded outputs' gradients are 0 on
    /// entry and again on return: each is cleared right after its node's backward has read it, while still in cache,
    /// instead of all of them in a pass of their own up front. So intermediate gradients are not kept after the call.
    /// </summary>
    public void Backward(Tensor loss)
    {
        if (!RecordsGradients)
            throw new InvalidOperationException("this tape is for inference (RecordsGradients = false)");
        if (loss.Length != 1)
            throw new ArgumentException($"Backward needs a scalar (1x1) loss, got {loss.ShapeString}");
        if (!loss.RequiresGrad)
            throw new ArgumentException("the loss does not depend on any tensor that requires a gradient");
        if (_backwardRunning)
            foreach (var node in _nodes) node.Out.ClearGradStorage();
        _backwardRunning = true;
        loss.Grad[0] = 1f;
        CountUses();
        var profile = Profile;
        profile?.CloseForward();
        for (int i = _count - 1; i >= 0; i--)
        {
            var node = _nodes[i];
            if (!node.Out.RequiresGrad) continue;
            long start = profile == null ? 0 : Stopwatch.GetTimestamp();
            node.RunBackward();
            node.Out.Grad.Clear();
            profile?.AddBackward(node.Kind, Stopwatch.GetTimestamp() - start);
        }
        _backwardRunning = false;
    }

    /// <summary>Sets each input's <see cref="Tensor.Uses"/>: a gradient sink may only take a tensor used once.</summary>
    private void CountUses()
    {
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < _count; i++)
            {
                var node = _nodes[i];
                Count(node.A, pass);
                Count(node.B, pass);
                Count(node.C, pass);
            }

        static void Count(Tensor? t, int pass)
        {
            if (t == null) return;
            if (pass == 0) t.Uses = 0;
            else t.Uses++;
        }
    }
}
