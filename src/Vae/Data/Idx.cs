using System.Buffers.Binary;
using System.IO.Compression;
using Vae.IO;

namespace Vae.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions (outermost first) and its data, row-major.</summary>
public sealed record IdxArray(int[] Dims, byte[] Data);

/// <summary>
/// The IDX format of the MNIST files: two zero bytes, a type byte (0x08 = unsigned byte, the only one MNIST uses),
/// a rank byte, then one big-endian int32 per dimension, then the data, row-major. Files may be gzipped; gzip is
/// recognised by its magic bytes 1f 8b, not by the file name.
/// </summary>
public static class Idx
{
    public const byte TypeUnsignedByte = 0x08;

    // Deflate cannot compress better than about 1032:1, so a gzip file of n bytes cannot honestly hold much more
    // than 1032·n bytes; the bound stops a crafted file from making us allocate without limit.
    private const long MaxDeflateRatio = 1032;

    /// <summary>Reads an IDX file (raw or gzipped) of unsigned bytes with any rank.</summary>
    public static IdxArray Read(string path) => Decode(InputFile.ReadAllBytes(path), path);

    /// <summary>Reads a rank-3 image file (count, rows, cols) and checks rows and cols.</summary>
    public static IdxArray ReadImages(string path, int rows, int cols)
    {
        var a = Read(path);
        CheckImages(a, path, rows, cols);
        return a;
    }

    /// <summary>Reads a rank-1 label file and checks every label is below <paramref name="classes"/>.</summary>
    public static IdxArray ReadLabels(string path, int classes)
    {
        var a = Read(path);
        CheckLabels(a, path, classes);
        return a;
    }

    internal static void CheckImages(IdxArray a, string path, int rows, int cols)
    {
        if (a.Dims.Length != 3)
            throw new InvalidInputFileException(path, $"expected an image file of rank 3 (count, rows, cols), found rank {a.Dims.Length}");
        if (a.Dims[1] != rows || a.Dims[2] != cols)
            throw new InvalidInputFileException(path, $"expected {rows}×{cols} images, found {a.Dims[1]}×{a.Dims[2]}");
    }

    internal static void CheckLabels(IdxArray a, string path, int classes)
    {
        if (a.Dims.Length != 1)
            throw new InvalidInputFileException(path, $"expected a label file of rank 1, found rank {a.Dims.Length}");
        int bad = Array.FindIndex(a.Data, b => b >= classes);
        if (bad >= 0)
            throw new InvalidInputFileException(path, $"label {a.Data[bad]} at index {bad} is out of range 0–{classes - 1}");
    }

    /// <summary>Parses the bytes of an IDX file (raw or gzipped); <paramref name="path"/> only names it in errors.</summary>
    internal static IdxArray Decode(byte[] file, string path)
    {
        if (file.Length == 0)
            throw new InvalidInputFileException(path, "the file is empty");
        if (file.Length >= 2 && file[0] == 0x1f && file[1] == 0x8b)
            file = Gunzip(file, path);
        return Parse(file, path);
    }

    private static IdxArray Parse(byte[] file, string path)
    {
        if (file.Length < 4)
            throw new InvalidInputFileException(path, $"truncated: {file.Length} bytes, too short for the 4-byte IDX magic");
        if (file[0] != 0 || file[1] != 0)
            throw new InvalidInputFileException(path, $"not an IDX file: magic starts {file[0]:x2} {file[1]:x2}, expected 00 00");
        if (file[2] != TypeUnsignedByte)
            throw new InvalidInputFileException(path, $"IDX element type 0x{file[2]:x2} is not supported (only 0x08, unsigned byte)");
        int rank = file[3];
        if (rank == 0)
            throw new InvalidInputFileException(path, "IDX rank is 0");
        int headerLength = 4 + 4 * rank;
        if (file.Length < headerLength)
            throw new InvalidInputFileException(path, $"truncated: the header of a rank-{rank} IDX file needs {headerLength} bytes, the file has {file.Length}");

        var dims = new int[rank];
        long expected = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(4 + 4 * d));
            if (dims[d] < 0)
                throw new InvalidInputFileException(path, $"IDX dimension {d} is negative ({dims[d]})");
            // Stop multiplying once the product exceeds what the file holds: avoids overflow and reports the real problem.
            if (expected <= file.Length) expected *= dims[d];
        }
        if (Array.IndexOf(dims, 0) >= 0) expected = 0;
        long actual = file.Length - headerLength;
        if (expected != actual)
        {
            string shape = string.Join('×', dims);
            string problem = expected > actual
                ? $"truncated: the header says {shape} = {(expected > file.Length ? "more than " + file.Length : expected.ToString())} data bytes, but only {actual} follow"
                : $"{actual - expected} unexpected trailing bytes after the {shape} = {expected} data bytes the header describes";
            throw new InvalidInputFileException(path, problem);
        }
        return new IdxArray(dims, file.AsSpan(headerLength).ToArray());
    }

    private static byte[] Gunzip(byte[] gz, string path)
    {
        long limit = Math.Min(Array.MaxLength, gz.Length * MaxDeflateRatio + 4096);
        try
        {
            using var input = new GZipStream(new MemoryStream(gz, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = input.Read(buffer)) > 0)
            {
                if (output.Length + n > limit)
                    throw new InvalidInputFileException(path, $"gzip data expands to more than {limit} bytes, which is not plausible for {gz.Length} compressed bytes");
                output.Write(buffer, 0, n);
            }
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new InvalidInputFileException(path, $"corrupt gzip data: {e.Message}", e);
        }
    }

    /// <summary>Encodes an IDX file of unsigned bytes (for tests and slicing tools).</summary>
    public static byte[] Encode(ReadOnlySpan<int> dims, ReadOnlySpan<byte> data)
    {
        if (dims.Length is 0 or > 255) throw new ArgumentException("rank must be 1..255", nameof(dims));
        long count = 1;
        foreach (int d in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dims));
            count *= d;
        }
        if (count != data.Length) throw new ArgumentException($"dims describe {count} bytes, data has {data.Length}", nameof(data));
        var file = new byte[4 + 4 * dims.Length + data.Length];
        file[2] = TypeUnsignedByte;
        file[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(file.AsSpan(4 + 4 * dims.Length));
        return file;
    }
}
