namespace Vae.Kernels;

/// <summary>
/// Where <see cref="Gemm"/> can hand each finished tile of C instead of storing it: a function pointer and its state.
/// The call is <c>(state, row, col, tile, ldt, rows, cols)</c>: C[row + r, col + c] = tile[r·ldt + c] for r &lt; rows,
/// c &lt; cols. Tiles are disjoint and each element of C is handed over exactly once, possibly from several threads at
/// once. A consumer that needs each value only once (an optimizer taking a weight gradient) then never has C written
/// to memory and read back. The consumer must not itself call <see cref="Gemm"/>: the product in progress keeps its
/// packed operands in per-thread buffers that a nested product would overwrite.
/// </summary>
public readonly unsafe struct TileSink(delegate*<void*, int, int, float*, int, int, int, void> take, void* state)
{
    private readonly delegate*<void*, int, int, float*, int, int, int, void> _take = take;
    private readonly void* _state = state;

    public bool IsSet => _take != null;

    public void Take(int row, int col, float* tile, int ldt, int rows, int cols) =>
        _take(_state, row, col, tile, ldt, rows, cols);
}
