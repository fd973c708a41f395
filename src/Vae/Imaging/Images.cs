namespace Vae.Imaging;

/// <summary>An 8-bit grayscale image, row-major, one byte per pixel (0 black, 255 white).</summary>
public sealed class GrayImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public GrayImage(int width, int height, byte fill = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        Pixels = new byte[checked(width * height)];
        if (fill != 0) Pixels.AsSpan().Fill(fill);
    }

    public GrayImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"{pixels.Length} pixels for a {width}×{height} image", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public byte this[int x, int y]
    {
        get => Pixels[Index(x, y)];
        set => Pixels[Index(x, y)] = value;
    }

    private int Index(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x},{y}) is outside {Width}×{Height}");
        return y * Width + x;
    }

    /// <summary>A float in [0,1] to a byte (clamped; NaN → 0), rounding to nearest.</summary>
    public static byte ToByte(float v) => v >= 1f ? (byte)255 : v > 0f ? (byte)(v * 255f + 0.5f) : (byte)0;

    /// <summary>The side of a square grey image of <paramref name="pixels"/> values (28 for 784).</summary>
    public static int SideOf(int pixels)
    {
        int side = (int)Math.Round(Math.Sqrt(pixels));
        return side * side == pixels ? side
            : throw new ArgumentException($"{pixels} pixels are not a square grey image; pictures need one");
    }

    /// <summary>
    /// Tiles <paramref name="count"/> images of <paramref name="side"/>×<paramref name="side"/> floats in [0,1]
    /// (given one after another in <paramref name="images"/>) into <paramref name="rows"/>×<paramref name="cols"/>
    /// cells, each pixel upscaled to <paramref name="scale"/>×<paramref name="scale"/>, with a border of
    /// <paramref name="border"/> pixels around and between cells. Cells beyond <paramref name="count"/> stay background.
    /// </summary>
    public static GrayImage Grid(ReadOnlySpan<float> images, int count, int rows, int cols, int side = 28,
        int border = 2, int scale = 1, byte borderValue = 128)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(side);
        ArgumentOutOfRangeException.ThrowIfNegative(border);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        if (count > (long)rows * cols)
            throw new ArgumentException($"{count} images do not fit in {rows}×{cols} cells", nameof(count));
        int pixels = side * side;
        if (images.Length < (long)count * pixels)
            throw new ArgumentException($"{images.Length} values for {count} images of {side}×{side}", nameof(images));

        int cell = side * scale;
        int width = checked(cols * cell + (cols + 1) * border);
        int height = checked(rows * cell + (rows + 1) * border);
        var grid = new GrayImage(width, height, borderValue);
        for (int n = 0; n < count; n++)
        {
            int x0 = border + (n % cols) * (cell + border);
            int y0 = border + (n / cols) * (cell + border);
            ReadOnlySpan<float> src = images.Slice(n * pixels, pixels);
            for (int y = 0; y < cell; y++)
            {
                Span<byte> dst = grid.Pixels.AsSpan((y0 + y) * width + x0, cell);
                ReadOnlySpan<float> srcRow = src.Slice(y / scale * side, side);
                for (int x = 0; x < cell; x++) dst[x] = ToByte(srcRow[x / scale]);
            }
        }
        return grid;
    }
}

/// <summary>An 8-bit RGB image, row-major, three bytes (r, g, b) per pixel.</summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, (byte R, byte G, byte B) fill = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        Pixels = new byte[checked(width * height * 3)];
        if (fill != default) Fill(fill);
    }

    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != (long)width * height * 3)
            throw new ArgumentException($"{pixels.Length} bytes for a {width}×{height} RGB image", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public void Fill((byte R, byte G, byte B) c)
    {
        for (int i = 0; i < Pixels.Length; i += 3) { Pixels[i] = c.R; Pixels[i + 1] = c.G; Pixels[i + 2] = c.B; }
    }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get { int i = Index(x, y); return (Pixels[i], Pixels[i + 1], Pixels[i + 2]); }
        set { int i = Index(x, y); Pixels[i] = value.R; Pixels[i + 1] = value.G; Pixels[i + 2] = value.B; }
    }

    /// <summary>Sets the pixel if it is inside the image; does nothing otherwise (handy for plotting).</summary>
    public void TrySet(int x, int y, (byte R, byte G, byte B) c)
    {
        if ((uint)x < (uint)Width && (uint)y < (uint)Height) this[x, y] = c;
    }

    private int Index(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x},{y}) is outside {Width}×{Height}");
        return (y * Width + x) * 3;
    }
}
