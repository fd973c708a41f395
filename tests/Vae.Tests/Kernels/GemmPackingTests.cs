using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NUnit.Framework;
using Vae.Kernels;

namespace Vae.Tests.Kernels;

/// <summary>
/// The ways the GEMM feeds its micro-kernel must not change a bit: B read in place (up to Gemm.DirectBMaxRows rows of
/// A) against packed panels, and transposing packs (with their overlapping k-tail) against copying ones.
/// </summary>
[TestFixture]
public class GemmPackingTests
{
    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static IEnumerable<GemmPath> Paths() => Enum.GetValues<GemmPath>().Where(Gemm.IsSupported);

    [Test]
    public void BReadInPlaceGivesThePackedBitsOnManyShapes()
    {
        var rng = new Random(1);
        var failures = new List<string>();
        int[] ms = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20, 23, 24];
        int[] ns = [1, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 63, 65, 200, 1537, 1601, 3100];
        int[] ks = [1, 2, 3, 9, 193, 385];
        foreach (int n in ns)
        foreach (int k in ks)
        {
            if ((long)n * k > 1_500_000) continue;
            float[] b = RandomArray(rng, k * n);
            const int extra = 48; // past DirectBMaxRows: packed
            float[] a = RandomArray(rng, (24 + extra) * k), c0 = RandomArray(rng, (24 + extra) * n);
            foreach (var path in Paths())
            foreach (bool acc in new[] { false, true })
            foreach (int m in ms)
            {
                int big = m + extra;
                float[] packed = c0[..(big * n)];
                Gemm.Multiply(path, a, b, big, n, k, false, false, packed, acc, threads: 1);
                foreach (int t in new[] { 1, 2, 3 })
                {
                    float[] direct = c0[..(m * n)];
                    Gemm.Multiply(path, a, b, m, n, k, false, false, direct, acc, threads: t);
                    if (!direct.AsSpan().SequenceEqual(packed.AsSpan(0, m * n)))
                    {
                        int i = 0;
                        while (direct[i].Equals(packed[i])) i++;
                        failures.Add($"{path} m={m} n={n} k={k} acc={acc} t={t}: C[{i / n},{i % n}] " +
                            $"{direct[i]} vs packed {packed[i]}");
                    }
                }
            }
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
    }

    [Test]
    public void TransposingPackGivesTheCopyingPacksBits()
    {
        // op(A)·op(B) with A or B stored transposed must give the bits of the same product stored plainly: both pack
        // the same panels (one by TransposePanel, the other by CopyPanel). m > DirectBMaxRows, so B is packed either
        // way.
        var rng = new Random(2);
        var failures = new List<string>();
        var ks = Enumerable.Range(1, 40).Concat(new[] { 63, 64, 65, 71, 193, 197, 199, 203, 391 }).ToArray();
        foreach (int k in ks)
        foreach (var (m, n) in new[] { (25, 9), (31, 17), (40, 33), (27, 70), (26, 8) })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
            float[] aT = new float[k * m], bT = new float[n * k];
            for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) aT[p * m + i] = a[i * k + p];
            for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) bT[j * k + p] = b[p * n + j];
            foreach (var path in Paths())
            foreach (bool acc in new[] { false, true })
            {
                float[] plain = (float[])c0.Clone(), viaA = (float[])c0.Clone(), viaB = (float[])c0.Clone();
                // plain: A transposed-stored (CopyPanel for A), B plain (CopyPanel for B)
                Gemm.Multiply(path, aT, b, m, n, k, true, false, plain, acc, threads: 1);
                // A stored plainly: TransposePanel for A
                Gemm.Multiply(path, a, b, m, n, k, false, false, viaA, acc, threads: 1);
                // B stored transposed: TransposePanel for B
                Gemm.Multiply(path, aT, bT, m, n, k, true, true, viaB, acc, threads: 2);
                if (!viaA.AsSpan().SequenceEqual(plain)) failures.Add($"{path} A m={m} n={n} k={k} acc={acc}");
                if (!viaB.AsSpan().SequenceEqual(plain)) failures.Add($"{path} B m={m} n={n} k={k} acc={acc}");
            }
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(20)));
    }

    [Test]
    public void BReadInPlaceGivesThePackedBitsAtThePapersShape()
    {
        // Up to Gemm.DirectBMaxRows rows of A the kernels read a row-major B in place; with more rows they read packed
        // panels. The first 20 rows of a 40-row product must be the 20-row product, bit for bit, on every path.
        const int n = 200, k = 784;
        var rng = new Random(11);
        float[] a = RandomArray(rng, 40 * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, 40 * n);
        Assert.That(20, Is.LessThanOrEqualTo(Gemm.DirectBMaxRows));
        Assert.That(40, Is.GreaterThan(Gemm.DirectBMaxRows));
        foreach (var path in Enum.GetValues<GemmPath>().Where(Gemm.IsSupported))
        foreach (bool acc in new[] { false, true })
        {
            float[] packed = (float[])c0.Clone(), direct = c0[..(20 * n)];
            Gemm.Multiply(path, a, b, 40, n, k, false, false, packed, acc, threads: 1);
            Gemm.Multiply(path, a, b, 20, n, k, false, false, direct, acc, threads: 1);
            Assert.That(direct, Is.EqualTo(packed[..(20 * n)]).AsCollection, $"{path}, accumulate {acc}");
        }
    }
}

/// <summary>The packs stay inside the buffers they are given.</summary>
public unsafe class GemmPackBoundsTests
{
    [Test]
    public void ClaimedColumnCutPacksAInsideItsCache()
    {
        // Claimed column cuts (Gemm.ClaimTiles) pack all of A into a per-thread cache. Transposing an MR-row panel
        // (MR < 8: AVX2, portable) stores 8 floats per k, 8 − MR past the last panel when kc is a multiple of 8. Here
        // the cache is the smallest array PackBuffers keeps for this product, its data 8 bytes past a cache line (the
        // 64-byte alignment then leaves the fewest floats to spare), with another object right after it whose header
        // holds its identity hash. The product runs on this thread alone (the pool busy), so this thread packs A.
        const int m = 20, n = 1000, k = 192; // cut by columns; one K block of 192
        var a = RandomArrays.Uniform(m * k, 1);
        var b = RandomArrays.Uniform(k * n, 2);
        var cache = typeof(Gemm).GetNestedType("PackBuffers", BindingFlags.NonPublic)!
            .GetField("_aCache", BindingFlags.NonPublic | BindingFlags.Static)!;
        var busy = typeof(Gemm).Assembly.GetType("Vae.Kernels.WorkerPool")!
            .GetField("_busy", BindingFlags.NonPublic | BindingFlags.Static)!;
        void Product(GemmPath path, float[] c)
        {
            busy.SetValue(null, 1);
            try
            {
                long claimed = Gemm.ClaimedCalls;
                Gemm.Multiply(path, a, b, m, n, k, false, false, c, false, threads: 2);
                Assert.That(Gemm.ClaimedCalls, Is.GreaterThan(claimed), $"{path}: the cut was claimed");
            }
            finally { busy.SetValue(null, 0); }
        }
        bool before = Gemm.ClaimTiles;
        Gemm.ClaimTiles = true;
        try
        {
            foreach (var path in Enum.GetValues<GemmPath>().Where(Gemm.IsSupported))
            {
                var expected = new float[m * n];
                Gemm.Multiply(path, a, b, m, n, k, false, false, expected, false, threads: 1);
                cache.SetValue(null, null);
                Product(path, new float[m * n]);
                int length = ((float[])cache.GetValue(null)!).Length; // what PackBuffers allocates for this product
                var keep = new List<object>();
                int checkedArrays = 0;
                for (int attempt = 0; attempt < 2000 && checkedArrays < 3; attempt++)
                {
                    var x = GC.AllocateUninitializedArray<float>(length, pinned: true);
                    var next = GC.AllocateArray<byte>(8, pinned: true);
                    keep.Add(x);
                    keep.Add(next);
                    nint px = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(x));
                    nint pNext = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(next));
                    // The next array's data follows its header word, method table and length (8 bytes each).
                    if (px % 64 != 8 || pNext - 24 != px + 4L * length) continue;
                    checkedArrays++;
                    int hash = RuntimeHelpers.GetHashCode(next);
                    var c = new float[m * n];
                    cache.SetValue(null, x);
                    Product(path, c);
                    Assert.That(ReferenceEquals(cache.GetValue(null), x), Is.True, $"{path}: A packed into the array");
                    Assert.That(RuntimeHelpers.GetHashCode(next), Is.EqualTo(hash), $"{path}: the next object's hash");
                    Assert.That(c, Is.EqualTo(expected).AsCollection, path.ToString());
                }
                Assert.That(checkedArrays, Is.GreaterThan(0), $"{path}: no array was placed as needed");
                cache.SetValue(null, null);
            }
        }
        finally { Gemm.ClaimTiles = before; }
    }
}
