using Vae.Engine;

namespace Vae.Nn;

/// <summary>
/// All trainable weights of a model in one flat buffer, and all their gradients in another (as in llm.c): each
/// parameter is a named <see cref="Tensor"/> view into both. The optimizer is then one loop over two spans, zeroing
/// gradients is one Clear, and a checkpoint is the list of views.
/// <para>Declare every parameter first, then call <see cref="Allocate"/> once.</para>
/// </summary>
public sealed class ParameterSet
{
    private readonly List<(string Name, int Rows, int Cols, int[] Shape)> _declared = new();
    private readonly List<Tensor> _tensors = new();
    private readonly List<int> _offsets = new();
    private float[] _values = [];
    private float[] _grads = [];

    public bool IsAllocated { get; private set; }

    /// <summary>The flat buffer of every parameter value.</summary>
    public Span<float> Values => _values;

    /// <summary>The flat buffer of every gradient, in the same order as <see cref="Values"/>.</summary>
    public Span<float> Grads => _grads;

    public int Count => _values.Length;

    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <summary>
    /// Reserves a (rows, cols) parameter. <paramref name="shape"/> is how it is stored in checkpoints (e.g. a bias is
    /// (1,out) here but [out] in PyTorch's files); it defaults to [rows, cols].
    /// </summary>
    public int Declare(string name, int rows, int cols, int[]? shape = null)
    {
        if (IsAllocated) throw new InvalidOperationException("parameters are already allocated");
        if (_declared.Exists(d => d.Name == name)) throw new ArgumentException($"parameter '{name}' declared twice");
        _declared.Add((name, rows, cols, shape ?? [rows, cols]));
        return _declared.Count - 1;
    }

    public void Allocate()
    {
        if (IsAllocated) throw new InvalidOperationException("parameters are already allocated");
        long total = _declared.Sum(d => (long)d.Rows * d.Cols);
        _values = new float[total];
        _grads = new float[total];
        int offset = 0;
        foreach (var d in _declared)
        {
            _tensors.Add(new Tensor(_values, offset, _grads, offset, d.Rows, d.Cols, d.Name));
            _offsets.Add(offset);
            offset += d.Rows * d.Cols;
        }
        IsAllocated = true;
    }

    public Tensor this[int index] => _tensors[index];

    /// <summary>Where parameter <paramref name="index"/> starts in <see cref="Values"/> and <see cref="Grads"/>.</summary>
    public int Offset(int index) => _offsets[index];

    public Tensor this[string name] => _tensors.Find(t => t.Name == name)
        ?? throw new KeyNotFoundException($"no parameter named '{name}'");

    /// <summary>The shape under which parameter <paramref name="index"/> is saved.</summary>
    public int[] StoredShape(int index) => _declared[index].Shape;

    public void ZeroGrad() => Array.Clear(_grads);

    /// <summary>√(Σ g²) over every gradient.</summary>
    public float GradNorm() => MathF.Sqrt(Kernels.Elementwise.Sum<Kernels.SquareOp>(_grads));
}
