using System.Runtime.CompilerServices;

namespace Vae.Kernels;

/// <summary>A loop body over a range of independent units (rows, or blocks of columns), run on threads.</summary>
public interface IRangeBody
{
    void Run(int start, int end);
}

/// <summary>
/// Splits an elementwise op over the cores: its units are cut into contiguous ranges, one or two per thread, and run on
/// <see cref="WorkerPool"/>. Each unit is computed exactly as it would be alone (no sum crosses a range boundary), so
/// the result is bit-identical at every thread count. Small ops run inline: below ~16k elements the hand-over costs
/// more than the second core saves.
/// </summary>
public static unsafe class RowParallel
{
    private const long MinElements = 16 * 1024;

    /// <summary>Runs <c>body.Run</c> over [0, units); <paramref name="elements"/> is the op's size, for the cut-off;
    /// <paramref name="threads"/>: 0 = all cores.</summary>
    public static void For<TBody>(ref TBody body, int units, long elements, int threads)
        where TBody : struct, IRangeBody
    {
        int t = threads == 0 ? Environment.ProcessorCount : threads;
        if (t <= 1 || units < 2 || elements < MinElements)
        {
            body.Run(0, units);
            return;
        }
        var job = new Job { Body = Unsafe.AsPointer(ref body), Units = units, Parts = Math.Min(units, t) };
        WorkerPool.Run(job.Parts, t, &RunPart<TBody>, &job);
    }

    private struct Job
    {
        public void* Body;
        public int Units, Parts;
    }

    private static void RunPart<TBody>(void* state, int part) where TBody : struct, IRangeBody
    {
        ref Job job = ref *(Job*)state;
        int start = (int)((long)job.Units * part / job.Parts), end = (int)((long)job.Units * (part + 1) / job.Parts);
        Unsafe.AsRef<TBody>(job.Body).Run(start, end);
    }
}
