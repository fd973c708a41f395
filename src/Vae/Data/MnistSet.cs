namespace Vae.Data;

/// <summary>One split of MNIST: <see cref="Count"/> 28×28 grayscale digits (row-major bytes) and their labels 0–9.</summary>
public sealed class MnistSet
{
    public const int Side = 28;
    public const int Pixels = Side * Side;

    // byte → byte/255f, precomputed so a batch costs one table lookup per pixel and gives exactly byte/255f.
    private static readonly float[] ByteToUnit = BuildTable();

    /// <summary>Count × 784 bytes, image after image, each row-major.</summary>
    public byte[] Images { get; }
    public byte[] Labels { get; }
    public int Count { get; }

    public MnistSet(byte[] images, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Length != labels.Length * Pixels)
            throw new ArgumentException($"{images.Length} image bytes do not match {labels.Length} labels × {Pixels} pixels");
        Images = images;
        Labels = labels;
        Count = labels.Length;
    }

    /// <summary>The 784 bytes of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index) => Images.AsSpan(checked(index * Pixels), Pixels);

    /// <summary>
    /// Copies the images at <paramref name="indices"/> into <paramref name="dest"/> as floats in [0,1]
    /// (dest is (indices.Length, 784), value = byte/255). Allocation-free.
    /// </summary>
    public void FillBatch(ReadOnlySpan<int> indices, Span<float> dest)
    {
        if (dest.Length != indices.Length * Pixels)
            throw new ArgumentException($"dest has {dest.Length} floats, {indices.Length} images need {indices.Length * Pixels}", nameof(dest));
        ReadOnlySpan<float> table = ByteToUnit;
        for (int b = 0; b < indices.Length; b++)
        {
            int index = indices[b];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"index {index} is outside 0..{Count - 1}");
            ReadOnlySpan<byte> src = Images.AsSpan(index * Pixels, Pixels);
            Span<float> row = dest.Slice(b * Pixels, Pixels);
            for (int i = 0; i < Pixels; i++) row[i] = table[src[i]];
        }
    }

    private static float[] BuildTable()
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = i / 255f;
        return t;
    }
}
