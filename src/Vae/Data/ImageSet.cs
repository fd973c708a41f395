using Vae.Kernels;
namespace Vae.Data;

/// <summary>
/// One split of an image dataset: <see cref="Count"/> images of Height × Width × Channels bytes (row-major,
/// channels last), a class label per image, and optionally the values of the factors that generated each image
/// (synthetic sets whose ground truth is known).
/// </summary>
public sealed class ImageSet
{
    // byte → byte/255f, precomputed so a batch costs one table lookup per pixel and gives exactly byte/255f.
    private static readonly float[] ByteToUnit = BuildTable();

    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    /// <summary>Values per image: Height × Width × Channels (784 for MNIST).</summary>
    public int Pixels { get; }

    /// <summary>Count × Pixels bytes, image after image.</summary>
    public byte[] Images { get; }
    public byte[] Labels { get; }
    public int Count { get; }

    /// <summary>Count × <see cref="FactorCount"/> factor values (row per image), or null for sets without them.</summary>
    public float[]? Factors { get; }
    public int FactorCount { get; }

    public ImageSet(byte[] images, byte[] labels, int width = 28, int height = 28, int channels = 1,
        float[]? factors = null, int factorCount = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (width < 1 || height < 1 || channels < 1) throw new ArgumentException("image sides and channels must be >= 1");
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = checked(width * height * channels);
        if (images.Length != (long)labels.Length * Pixels)
            throw new ArgumentException($"{images.Length} image bytes do not match {labels.Length} labels × {Pixels} pixels");
        if (factors != null && (factorCount < 1 || factors.Length != (long)labels.Length * factorCount))
            throw new ArgumentException($"{factors.Length} factor values do not match {labels.Length} images × {factorCount}");
        Images = images;
        Labels = labels;
        Count = labels.Length;
        Factors = factors;
        FactorCount = factors == null ? 0 : factorCount;
    }

    /// <summary>
    /// Set for dynamic binarisation (Burda et al. 2016): <see cref="FillBatch"/> then draws every pixel
    /// ~ Bernoulli(byte/255) afresh for each use, keyed by (this seed, the caller's use number, row); see
    /// <see cref="Binarization"/>.
    /// </summary>
    public ulong? DynamicBinarizationSeed { get; private init; }

    /// <summary>The same images (shared, not copied), binarised afresh at every use with
    /// <paramref name="seed"/>.</summary>
    public ImageSet WithDynamicBinarization(ulong seed) =>
        new(Images, Labels, Width, Height, Channels, Factors, FactorCount) { DynamicBinarizationSeed = seed };

    /// <summary>The bytes of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index) => Images.AsSpan(checked(index * Pixels), Pixels);

    /// <summary>The factor values of image <paramref name="index"/> (empty for sets without factors).</summary>
    public ReadOnlySpan<float> FactorsOf(int index) =>
        Factors == null ? default : Factors.AsSpan(index * FactorCount, FactorCount);

    /// <summary>An empty set of the same geometry, e.g. for a subset that selects nothing.</summary>
    public ImageSet With(byte[] images, byte[] labels, float[]? factors) =>
        new(images, labels, Width, Height, Channels, factors, FactorCount);

    /// <summary>
    /// Copies the images at <paramref name="indices"/> into <paramref name="dest"/> as floats in [0,1]
    /// (dest is (indices.Length, Pixels), value = byte/255), or, for a dynamically binarised set, as 0/1 draws keyed by
    /// <paramref name="use"/> (e.g. the optimizer step) and the row. Rows are split over <paramref name="threads"/>
    /// (0 = all cores); each row is filled alike on any thread, so the result does not depend on the count.
    /// Allocation-free.
    /// </summary>
    public unsafe void FillBatch(ReadOnlySpan<int> indices, Span<float> dest, ulong use = 0, int threads = 1)
    {
        int pixels = Pixels;
        if (dest.Length != indices.Length * pixels)
            throw new ArgumentException(
                $"dest has {dest.Length} floats, {indices.Length} images need {indices.Length * pixels}", nameof(dest));
        foreach (int index in indices)
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"index {index} is outside 0..{Count - 1}");
        fixed (int* pi = indices)
        fixed (float* pd = dest)
        {
            var rows = new FillRows(this, pi, pd, use);
            // A binarised pixel costs a 16th of a vector hash step, about a table lookup (on the scalar path a whole
            // hash, some 30 lookups): weigh it so for the cut-off of the split. Batch 20 (15,680 pixels) stays inline.
            bool scalarHash = DynamicBinarizationSeed != null && CounterBernoulli.Path == CounterBernoulliPath.Scalar;
            long work = (scalarHash ? 32L : 1L) * dest.Length;
            RowParallel.For(ref rows, indices.Length, work, threads);
        }
    }

    /// <summary>Rows [start, end) of <see cref="FillBatch"/>.</summary>
    private readonly unsafe struct FillRows(ImageSet set, int* indices, float* dest, ulong use) : Kernels.IRangeBody
    {
        public void Run(int start, int end)
        {
            int pixels = set.Pixels;
            ReadOnlySpan<float> table = ByteToUnit;
            for (int b = start; b < end; b++)
            {
                ReadOnlySpan<byte> src = set.Images.AsSpan(indices[b] * pixels, pixels);
                var row = new Span<float>(dest + (long)b * pixels, pixels);
                if (set.DynamicBinarizationSeed is ulong seed) Binarization.Draw(src, seed, use, b, row);
                else for (int i = 0; i < pixels; i++) row[i] = table[src[i]];
            }
        }
    }

    private static float[] BuildTable()
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = i / 255f;
        return t;
    }
}
