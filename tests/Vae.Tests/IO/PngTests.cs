using System.Buffers.Binary;
using System.Text;
using Vae.Imaging;

namespace Vae.Tests.IO;

public class PngTests
{
    private static byte[] Pattern(int n, int seed)
    {
        var rng = new Random(seed);
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>Walks the chunks, checking each CRC independently of the decoder; returns the chunk types.</summary>
    private static List<string> Chunks(byte[] png)
    {
        Assert.That(png[..8], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        var types = new List<string>();
        int pos = 8;
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.That(crc, Is.EqualTo(ReferenceCrc(png.AsSpan(pos + 4, 4 + length))), $"CRC of {type}");
            types.Add(type);
            pos += 12 + length;
        }
        Assert.That(pos, Is.EqualTo(png.Length));
        return types;
    }

    // Bit-at-a-time CRC-32 straight from the definition, to check the table-driven one.
    private static uint ReferenceCrc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }

    [Test]
    public void Crc32MatchesTheStandardCheckValue()
    {
        // The CRC-32 check value of "123456789" (zlib/PNG polynomial) is 0xCBF43926.
        Assert.That(Crc32.Compute("123456789"u8), Is.EqualTo(0xCBF43926u));
        Assert.That(Crc32.Compute([]), Is.EqualTo(0u));
        Assert.That(Crc32.Append(Crc32.Compute("1234"u8), "56789"u8), Is.EqualTo(0xCBF43926u));
        // The IEND chunk of every PNG: CRC over "IEND" is AE 42 60 82.
        Assert.That(Crc32.Compute("IEND"u8), Is.EqualTo(0xAE426082u));
    }

    [TestCase(1, 1)]
    [TestCase(7, 5)]
    [TestCase(28, 28)]
    [TestCase(61, 3)]
    public void GrayRoundTrip(int w, int h)
    {
        var image = new GrayImage(w, h, Pattern(w * h, w * 31 + h));
        byte[] png = Png.Encode(image);
        Assert.That(Chunks(png), Is.EqualTo(new[] { "IHDR", "IDAT", "IEND" }));
        var back = Png.Decode(png);
        Assert.That((back.Width, back.Height, back.Channels), Is.EqualTo((w, h, 1)));
        Assert.That(back.Pixels, Is.EqualTo(image.Pixels));
    }

    [TestCase(1, 1)]
    [TestCase(9, 4)]
    public void RgbRoundTripThroughAFile(int w, int h)
    {
        using var tmp = new Vae.Tests.Data.TempDir();
        var image = new RgbImage(w, h, Pattern(w * h * 3, w + h));
        string path = tmp.File("x.png");
        Png.Write(path, image);
        Assert.That(Chunks(File.ReadAllBytes(path)), Is.EqualTo(new[] { "IHDR", "IDAT", "IEND" }));
        var back = Png.Read(path);
        Assert.That((back.Width, back.Height, back.Channels), Is.EqualTo((w, h, 3)));
        Assert.That(back.Pixels, Is.EqualTo(image.Pixels));
    }

    [Test]
    public void DecoderUndoesEveryFilter([Values(0, 1, 2, 3, 4)] int filter, [Values(1, 3)] int channels)
    {
        int w = 13, h = 6;
        byte[] pixels = Pattern(w * h * channels, filter * 10 + channels);
        var back = Png.Decode(Png.Encode(w, h, channels, pixels, filter));
        Assert.That(back.Pixels, Is.EqualTo(pixels));
    }

    [Test]
    public void BadPngFailsWithInvalidInputFileException()
    {
        byte[] good = Png.Encode(new GrayImage(3, 3, 100));
        Assert.Throws<InvalidInputFileException>(() => Png.Decode(good[..20]));
        Assert.Throws<InvalidInputFileException>(() => Png.Decode([1, 2, 3]));
        var flipped = (byte[])good.Clone();
        flipped[20] ^= 1; // inside IHDR: CRC now wrong
        var e = Assert.Throws<InvalidInputFileException>(() => Png.Decode(flipped));
        Assert.That(e!.Message, Does.Contain("CRC"));
    }

    [Test]
    public void GridTilesDigitsWithBorderAndScale()
    {
        // Three 2×2 "digits" into 2×2 cells, border 1, scale 2: 2·4 + 3·1 = 11 pixels square.
        float[] digits = [0, 1, 1, 0, /**/ 0.5f, 0.5f, 0.5f, 0.5f, /**/ 1, 1, 1, 1];
        var grid = GrayImage.Grid(digits, 3, rows: 2, cols: 2, side: 2, border: 1, scale: 2, borderValue: 7);
        Assert.That((grid.Width, grid.Height), Is.EqualTo((11, 11)));
        Assert.That(grid[0, 0], Is.EqualTo(7));
        Assert.That(grid[1, 1], Is.EqualTo(0));    // digit 0, pixel (0,0), upscaled
        Assert.That(grid[2, 2], Is.EqualTo(0));
        Assert.That(grid[3, 1], Is.EqualTo(255));  // digit 0, pixel (1,0)
        Assert.That(grid[6, 1], Is.EqualTo(128));  // digit 1 starts at x = 1 + 4 + 1
        Assert.That(grid[1, 6], Is.EqualTo(255));  // digit 2, second row
        Assert.That(grid[6, 6], Is.EqualTo(7));    // empty fourth cell keeps the background
        Assert.That(grid[5, 1], Is.EqualTo(7));    // border between cells
    }

    [Test]
    public void FloatToByteClampsAndRounds()
    {
        Assert.That(GrayImage.ToByte(-1f), Is.EqualTo(0));
        Assert.That(GrayImage.ToByte(float.NaN), Is.EqualTo(0));
        Assert.That(GrayImage.ToByte(2f), Is.EqualTo(255));
        Assert.That(GrayImage.ToByte(0.5f), Is.EqualTo(128));
        Assert.That(GrayImage.ToByte(1 / 255f), Is.EqualTo(1));
    }
}
