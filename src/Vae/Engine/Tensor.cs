namespace Vae.Engine;

/// <summary>
/// A float32 matrix, row-major and contiguous, with an optional gradient of the same shape.
/// Everything in Vae is 2-D: a batch is (rows = examples, cols = features), a scalar is (1,1).
/// <para>
/// Values and gradient are views into arrays that may be shared: parameters are named slices of one flat buffer
/// (<see cref="Nn.ParameterSet"/>), and a tape reuses each op's output tensor from one step to the next. The
/// storage has a capacity, so a smaller batch (the last one of an epoch) reshapes in place without allocating.
/// </para>
/// </summary>
public sealed class Tensor
{
    private float[] _data;
    private int _offset;
    private float[]? _grad;
    private int _gradOffset;
    private int _capacity;

    /// <summary>A name for debugging and graph output, e.g. "fc1.weight" or "relu#3".</summary>
    public string Name { get; set; }

    public int Rows { get; private set; }
    public int Cols { get; private set; }
    public int Length => Rows * Cols;
    public int Capacity => _capacity;

    /// <summary>Whether a gradient buffer exists; ops only propagate into tensors that have one.</summary>
    public bool RequiresGrad => _grad != null;

    public Span<float> Data => new(_data, _offset, Rows * Cols);

    /// <summary>The values as Memory (for writers that outlive a stack frame, e.g. checkpoint files).</summary>
    public Memory<float> Memory => new(_data, _offset, Rows * Cols);

    /// <summary>
    /// Optional: where a matrix product's backward hands this tensor's gradient, strip by strip, instead of adding it
    /// to <see cref="Grad"/> (an optimizer updating a weight from its gradient in the same pass; see
    /// <see cref="Nn.Adam.BackwardAndUpdate"/>). Taken only when the product is the tensor's one use on the tape and
    /// its inner size fits one block (<see cref="Kernels.Gemm.MaxSinkK"/>); otherwise the gradient goes to
    /// <see cref="Grad"/> as usual. The sink's consumer must then read <see cref="Grad"/> for what it did not get.
    /// </summary>
    public Kernels.TileSink GradientSink { get; set; }

    /// <summary>How many inputs of recorded nodes are this tensor (counted by <see cref="Tape.Backward"/>).</summary>
    internal int Uses;

    public Span<float> Grad => _grad is null
        ? throw new InvalidOperationException($"tensor '{Name}' does not require a gradient")
        : new Span<float>(_grad, _gradOffset, Rows * Cols);

    public Tensor(int rows, int cols, bool requiresGrad = false, string name = "")
    {
        CheckShape(rows, cols);
        Name = name;
        Rows = rows;
        Cols = cols;
        _capacity = rows * cols;
        _data = new float[_capacity];
        _grad = requiresGrad ? new float[_capacity] : null;
    }

    /// <summary>A view over existing storage (used for parameters living in one flat buffer).</summary>
    public Tensor(float[] data, int offset, float[]? grad, int gradOffset, int rows, int cols, string name)
    {
        CheckShape(rows, cols);
        if ((uint)offset > (uint)data.Length || data.Length - offset < rows * cols)
            throw new ArgumentException($"view of {rows}x{cols} at {offset} does not fit in {data.Length} values");
        if (grad != null && ((uint)gradOffset > (uint)grad.Length || grad.Length - gradOffset < rows * cols))
            throw new ArgumentException("gradient view does not fit in its buffer");
        Name = name;
        Rows = rows;
        Cols = cols;
        _capacity = rows * cols;
        _data = data;
        _offset = offset;
        _grad = grad;
        _gradOffset = gradOffset;
    }

    public static Tensor FromArray(float[] values, int rows, int cols, bool requiresGrad = false, string name = "")
    {
        var t = new Tensor(rows, cols, requiresGrad, name);
        values.AsSpan(0, rows * cols).CopyTo(t.Data);
        return t;
    }

    /// <summary>The single value of a (1,1) tensor.</summary>
    public float Value => Length == 1 ? _data[_offset]
        : throw new InvalidOperationException($"tensor '{Name}' is {Rows}x{Cols}, not a scalar");

    public float this[int row, int col]
    {
        get => Data[row * Cols + col];
        set => Data[row * Cols + col] = value;
    }

    /// <summary>
    /// Changes the shape, keeping the storage when it is large enough (so the steady state allocates nothing) and
    /// growing it otherwise. Contents are not preserved. Views over external storage cannot grow.
    /// </summary>
    public void Reshape(int rows, int cols, bool requiresGrad)
    {
        CheckShape(rows, cols);
        int needed = rows * cols;
        if (needed > _capacity)
        {
            if (_offset != 0 || _data.Length != _capacity)
                throw new InvalidOperationException($"view '{Name}' cannot grow to {rows}x{cols}");
            _capacity = needed;
            _data = new float[needed];
            _grad = null;
        }
        if (requiresGrad && _grad == null) { _grad = new float[_capacity]; _gradOffset = 0; }
        else if (!requiresGrad && _gradOffset == 0 && _offset == 0) _grad = null;
        Rows = rows;
        Cols = cols;
    }

    public void ZeroGrad()
    {
        if (_grad != null) Grad.Clear();
    }

    /// <summary>Zeroes the whole gradient storage of an op output, beyond the current shape too.</summary>
    internal void ClearGradStorage()
    {
        if (_grad != null && _gradOffset == 0) Array.Clear(_grad);
    }

    public string ShapeString => $"({Rows},{Cols})";

    public override string ToString() => $"{Name}{ShapeString}";

    private static void CheckShape(int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(rows), $"invalid tensor shape ({rows},{cols})");
    }
}
