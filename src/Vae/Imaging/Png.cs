using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Vae.IO;

namespace Vae.Imaging;

/// <summary>A decoded PNG: 8-bit samples, <see cref="Channels"/> per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), row-major.</summary>
public sealed record PngImage(int Width, int Height, int Channels, byte[] Pixels);

/// <summary>
/// A minimal PNG writer and reader (PNG spec, ISO/IEC 15948): the 8-byte signature, then chunks of
/// length (big-endian u32) · type (4 ASCII bytes) · data · CRC-32 of type+data. We write IHDR, one IDAT
/// (zlib-compressed scanlines, each prefixed by its filter byte) and IEND; 8-bit gray or RGB, no interlace.
/// The reader handles what we write plus filters 0–4 and alpha, enough for tests and round trips.
/// </summary>
public static class Png
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static void Write(string path, GrayImage image) =>
        AtomicFile.WriteAllBytes(path, Encode(image.Width, image.Height, 1, image.Pixels));

    public static void Write(string path, RgbImage image) =>
        AtomicFile.WriteAllBytes(path, Encode(image.Width, image.Height, 3, image.Pixels));

    public static byte[] Encode(GrayImage image) => Encode(image.Width, image.Height, 1, image.Pixels);

    public static byte[] Encode(RgbImage image) => Encode(image.Width, image.Height, 3, image.Pixels);

    /// <summary>Encodes 8-bit pixels with 1 (gray) or 3 (RGB) channels; <paramref name="filter"/> 0–4 is applied to every row.</summary>
    internal static byte[] Encode(int width, int height, int channels, ReadOnlySpan<byte> pixels, int filter = 0)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), "1 (gray) or 3 (RGB)");
        if ((uint)filter > 4) throw new ArgumentOutOfRangeException(nameof(filter));
        int stride = checked(width * channels);
        if (pixels.Length != (long)stride * height) throw new ArgumentException("pixel count does not match the size", nameof(pixels));

        var ms = new MemoryStream();
        ms.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;                               // bit depth
        ihdr[9] = (byte)(channels == 1 ? 0 : 2);   // colour type: 0 gray, 2 RGB
        // compression 0 (deflate), filter method 0, interlace 0: already zero
        WriteChunk(ms, "IHDR", ihdr);

        var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            var line = new byte[1 + stride];
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> row = pixels.Slice(y * stride, stride);
                ReadOnlySpan<byte> prior = y == 0 ? default : pixels.Slice((y - 1) * stride, stride);
                line[0] = (byte)filter;
                FilterRow(filter, row, prior, channels, line.AsSpan(1));
                z.Write(line);
            }
        }
        WriteChunk(ms, "IDAT", idat.GetBuffer().AsSpan(0, (int)idat.Length));
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        s.Write(typeBytes);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(typeBytes), data));
        s.Write(word);
    }

    // PNG spec §9.2: a = left, b = above, c = above-left; each filtered byte is x minus a predictor, mod 256.
    private static void FilterRow(int filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> dst)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0;
            int b = prior.IsEmpty ? 0 : prior[i];
            int c = i >= bpp && !prior.IsEmpty ? prior[i - bpp] : 0;
            dst[i] = (byte)(row[i] - Predict(filter, a, b, c));
        }
    }

    private static int Predict(int filter, int a, int b, int c) => filter switch
    {
        0 => 0,
        1 => a,
        2 => b,
        3 => (a + b) >> 1,
        _ => Paeth(a, b, c),
    };

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    public static PngImage Read(string path) => Decode(InputFile.ReadAllBytes(path), path);

    /// <summary>Decodes 8-bit, non-interlaced PNG bytes; <paramref name="name"/> names the source in errors.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> png, string name = "<png>")
    {
        if (png.Length < Signature.Length || !png[..Signature.Length].SequenceEqual(Signature))
            throw new InvalidInputFileException(name, "not a PNG file (bad signature)");
        int pos = Signature.Length;
        int width = 0, height = 0, channels = 0;
        bool seenHeader = false, seenEnd = false;
        var idat = new MemoryStream();
        while (!seenEnd)
        {
            if (png.Length - pos < 12)
                throw new InvalidInputFileException(name, $"truncated chunk at byte {pos}");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            if (length > (uint)(png.Length - pos - 12))
                throw new InvalidInputFileException(name, $"chunk at byte {pos} claims {length} bytes, more than the file holds");
            ReadOnlySpan<byte> typeAndData = png.Slice(pos + 4, 4 + (int)length);
            string type = Encoding.ASCII.GetString(typeAndData[..4]);
            ReadOnlySpan<byte> data = typeAndData[4..];
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png[(pos + 8 + (int)length)..]);
            if (crc != Crc32.Compute(typeAndData))
                throw new InvalidInputFileException(name, $"CRC mismatch in chunk '{type}' at byte {pos}");
            pos += 12 + (int)length;

            if (!seenHeader && type != "IHDR")
                throw new InvalidInputFileException(name, $"first chunk is '{type}', expected IHDR");
            switch (type)
            {
                case "IHDR":
                    if (seenHeader) throw new InvalidInputFileException(name, "second IHDR chunk");
                    if (data.Length != 13) throw new InvalidInputFileException(name, $"IHDR has {data.Length} bytes, expected 13");
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    if (width <= 0 || height <= 0) throw new InvalidInputFileException(name, $"bad size {width}×{height}");
                    if (data[8] != 8) throw new InvalidInputFileException(name, $"bit depth {data[8]} is not supported (only 8)");
                    channels = data[9] switch
                    {
                        0 => 1, 2 => 3, 4 => 2, 6 => 4,
                        _ => throw new InvalidInputFileException(name, $"colour type {data[9]} is not supported"),
                    };
                    if (data[10] != 0 || data[11] != 0) throw new InvalidInputFileException(name, "unknown compression or filter method");
                    if (data[12] != 0) throw new InvalidInputFileException(name, "interlaced PNG is not supported");
                    seenHeader = true;
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
                default:
                    // Ancillary chunks (lowercase first letter) may be skipped; critical ones we do not know may not.
                    if (char.IsUpper(type[0])) throw new InvalidInputFileException(name, $"unsupported critical chunk '{type}'");
                    break;
            }
        }

        long stride = (long)width * channels;
        long rawLength = (1 + stride) * height;
        // zlib cannot expand more than about 1032:1; refuse sizes the compressed data cannot honestly hold.
        if (rawLength > Math.Min(Array.MaxLength, idat.Length * 1032 + 4096))
            throw new InvalidInputFileException(name, $"{width}×{height} image cannot come from {idat.Length} compressed bytes");
        var raw = new byte[rawLength];
        try
        {
            idat.Position = 0;
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            z.ReadExactly(raw);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidInputFileException(name, $"bad image data: {e.Message}", e);
        }

        var pixels = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (1 + stride)];
            if (filter > 4) throw new InvalidInputFileException(name, $"row {y} has unknown filter type {filter}");
            ReadOnlySpan<byte> src = raw.AsSpan((int)(y * (1 + stride) + 1), (int)stride);
            Span<byte> row = pixels.AsSpan((int)(y * stride), (int)stride);
            ReadOnlySpan<byte> prior = y == 0 ? default : pixels.AsSpan((int)((y - 1) * stride), (int)stride);
            for (int i = 0; i < row.Length; i++)
            {
                int a = i >= channels ? row[i - channels] : 0;
                int b = prior.IsEmpty ? 0 : prior[i];
                int c = i >= channels && !prior.IsEmpty ? prior[i - channels] : 0;
                row[i] = (byte)(src[i] + Predict(filter, a, b, c));
            }
        }
        return new PngImage(width, height, channels, pixels);
    }
}
