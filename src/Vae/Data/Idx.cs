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

    /// <summary>
    /// Reads an IDX file (raw or gzipped) of unsigned bytes with any rank. The file is streamed: the header is checked
    /// first and the data is read straight into an array of exactly the size it announces, so loading MNIST's 47 MB
    /// of training images needs 47 MB, not twice that.
    /// </summary>
    public static IdxArray Read(string path)
    {
        using var file = InputFile.OpenRead(path);
        try
        {
            return Decode(file, file.Length, path);
        }
        catch (IOException e)
        {
            throw new InvalidInputFileException(path, $"cannot be read: {e.Message}", e);
        }
    }
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
        // A legal IDX file, but nothing to train on or evaluate: every mean over it would be 0/0.
        if (a.Dims[0] == 0)
            throw new InvalidInputFileException(path, "holds 0 images");
    }

    internal static void CheckLabels(IdxArray a, string path, int classes)
    {
        if (a.Dims.Length != 1)
            throw new InvalidInputFileException(path, $"expected a label file of rank 1, found rank {a.Dims.Length}");
        if (a.Dims[0] == 0)
            throw new InvalidInputFileException(path, "holds 0 labels");
        int bad = Array.FindIndex(a.Data, b => b >= classes);
        if (bad >= 0)
            throw new InvalidInputFileException(path, $"label {a.Data[bad]} at index {bad} is out of range 0–{classes - 1}");
    }

    /// <summary>Parses the bytes of an IDX file (raw or gzipped); <paramref name="path"/> only names it in errors.</summary>
    internal static IdxArray Decode(byte[] file, string path)
    {
        using var stream = new MemoryStream(file, writable: false);
        return Decode(stream, file.Length, path);
    }

    private static IdxArray Decode(Stream file, long length, string path)
    {
        if (length == 0)
            throw new InvalidInputFileException(path, "the file is empty");
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (got < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
            return Parse(file, length, length, path);
        try
        {
            using var gz = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            return Parse(gz, null, Math.Min(Array.MaxLength, length * MaxDeflateRatio + 4096), path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new InvalidInputFileException(path, $"corrupt gzip data: {e.Message}", e);
        }
    }

    /// <summary>
    /// Parses an IDX stream. <paramref name="length"/> is its exact length when known (a raw file), else null (gzip),
    /// in which case <paramref name="limit"/> bounds what it can plausibly hold.
    /// </summary>
    private static IdxArray Parse(Stream s, long? length, long limit, string path)
    {
        Span<byte> head = stackalloc byte[4];
        int n = s.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (n == 0 && length == null)
            throw new InvalidInputFileException(path, "the file is empty");
        if (n < 4)
            throw new InvalidInputFileException(path, $"truncated: {n} bytes, too short for the 4-byte IDX magic");
        if (head[0] != 0 || head[1] != 0)
            throw new InvalidInputFileException(path, $"not an IDX file: magic starts {head[0]:x2} {head[1]:x2}, expected 00 00");
        if (head[2] != TypeUnsignedByte)
            throw new InvalidInputFileException(path, $"IDX element type 0x{head[2]:x2} is not supported (only 0x08, unsigned byte)");
        int rank = head[3];
        if (rank == 0)
            throw new InvalidInputFileException(path, "IDX rank is 0");
        int headerLength = 4 + 4 * rank;
        var dimBytes = new byte[4 * rank];
        n = s.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (n < dimBytes.Length)
            throw new InvalidInputFileException(path, $"truncated: the header of a rank-{rank} IDX file needs {headerLength} bytes, the file has {4 + n}");

        long room = (length ?? limit) - headerLength; // the most data bytes the file can hold
        var dims = new int[rank];
        long expected = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * d));
            if (dims[d] < 0)
                throw new InvalidInputFileException(path, $"IDX dimension {d} is negative ({dims[d]})");
            // Stop multiplying once the product exceeds what the file holds: avoids overflow and reports the real problem.
            if (expected <= room) expected *= dims[d];
        }
        if (Array.IndexOf(dims, 0) >= 0) expected = 0;
        string shape = string.Join('×', dims);
        string Announced() => expected > room ? "more than " + Math.Max(room, 0) : expected.ToString();
        if (length is long total && expected != total - headerLength)
        {
            long actual = total - headerLength;
            throw new InvalidInputFileException(path, expected > actual
                ? $"truncated: the header says {shape} = {Announced()} data bytes, but only {actual} follow"
                : $"{actual - expected} unexpected trailing bytes after the {shape} = {expected} data bytes the header describes");
        }
        if (expected > room)
            throw new InvalidInputFileException(path, $"truncated: the header says {shape} = {Announced()} data bytes, more than {length?.ToString() ?? "the compressed file"} can hold");

        var data = new byte[expected];
        n = s.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (n < data.Length)
            throw new InvalidInputFileException(path, $"truncated: the header says {shape} = {expected} data bytes, but only {n} follow");
        if (length == null)
        {
            long extra = 0;
            var sink = new byte[4096];
            while ((n = s.Read(sink)) > 0 && extra <= limit) extra += n;
            if (extra > 0)
                throw new InvalidInputFileException(path, $"{extra} unexpected trailing bytes after the {shape} = {expected} data bytes the header describes");
        }
        return new IdxArray(dims, data);
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
