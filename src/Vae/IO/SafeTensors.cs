using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Vae.IO;

/// <summary>One F32 tensor read from a safetensors file.</summary>
public sealed record SafeTensor(string Name, int[] Shape, float[] Data);

/// <summary>The contents of a safetensors file: tensors (in data order) and the <c>__metadata__</c> strings.</summary>
public sealed class SafeTensorsFile
{
    public IReadOnlyList<SafeTensor> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    private readonly Dictionary<string, SafeTensor> _byName;

    internal SafeTensorsFile(List<SafeTensor> tensors, Dictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public SafeTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no tensor named '{name}'");

    public bool TryGet(string name, out SafeTensor tensor) => _byName.TryGetValue(name, out tensor!);
}

/// <summary>
/// The safetensors format (Hugging Face), F32 tensors only:
/// <c>u64 N (little-endian) · N bytes of UTF-8 JSON header · data</c>. The header maps each tensor name to
/// <c>{"dtype":"F32","shape":[..],"data_offsets":[begin,end]}</c> (offsets relative to the data start) and may hold
/// <c>"__metadata__":{string:string}</c>. We pad the header with spaces to a multiple of 8 and lay the tensors out
/// back to back. The reader treats the file as hostile: every number is checked before it is used.
/// </summary>
public static class SafeTensors
{
    public const string MetadataKey = "__metadata__";
    // The reference implementation refuses headers above 100 MB; so do we.
    private const long MaxHeaderBytes = 100L << 20;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes the tensors atomically (temp file in the same folder, flushed, then renamed over <paramref name="path"/>).</summary>
    public static void Write(string path, IReadOnlyList<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        byte[] header = EncodeHeader(tensors, metadata);
        AtomicFile.Write(path, s =>
        {
            Span<byte> n = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(n, (ulong)header.Length);
            s.Write(n);
            s.Write(header);
            foreach (var t in tensors) WriteFloats(s, t.Data.Span);
        });
    }

    /// <summary>The whole file as bytes (for tests and in-memory use).</summary>
    public static byte[] Encode(IReadOnlyList<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        byte[] header = EncodeHeader(tensors, metadata);
        var ms = new MemoryStream();
        Span<byte> n = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(n, (ulong)header.Length);
        ms.Write(n);
        ms.Write(header);
        foreach (var t in tensors) WriteFloats(ms, t.Data.Span);
        return ms.ToArray();
    }

    private static void WriteFloats(Stream s, ReadOnlySpan<float> data)
    {
        if (BitConverter.IsLittleEndian) { s.Write(MemoryMarshal.AsBytes(data)); return; }
        Span<byte> four = stackalloc byte[4];
        foreach (float f in data) { BinaryPrimitives.WriteSingleLittleEndian(four, f); s.Write(four); }
    }

    private static byte[] EncodeHeader(IReadOnlyList<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, shape, data) in tensors)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey || !names.Add(name))
                    throw new ArgumentException($"tensor name '{name}' is empty, reserved or repeated", nameof(tensors));
                long count = 1;
                foreach (int d in shape)
                {
                    if (d < 0) throw new ArgumentException($"tensor '{name}' has a negative dimension", nameof(tensors));
                    count *= d;
                }
                if (count != data.Length)
                    throw new ArgumentException($"tensor '{name}': shape [{string.Join(',', shape)}] needs {count} values, got {data.Length}", nameof(tensors));
                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset += count * sizeof(float));
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        // Pad with spaces (JSON whitespace) so the data starts 8-byte aligned.
        while ((8 + ms.Length) % 8 != 0) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }

    public static SafeTensorsFile Read(string path) => Decode(InputFile.ReadAllBytes(path), path);

    /// <summary>Parses the bytes of a safetensors file; <paramref name="path"/> only names it in errors.</summary>
    public static SafeTensorsFile Decode(byte[] file, string path)
    {
        if (file.Length < 8)
            throw new InvalidInputFileException(path, $"truncated: {file.Length} bytes, shorter than the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > (ulong)(file.Length - 8))
            throw new InvalidInputFileException(path, $"header length {n} is larger than the {file.Length - 8} bytes after it");
        if (n > MaxHeaderBytes)
            throw new InvalidInputFileException(path, $"header length {n} exceeds the {MaxHeaderBytes}-byte limit");
        int headerLength = (int)n;
        int dataStart = 8 + headerLength;
        long dataLength = file.Length - dataStart;

        JsonDocument doc;
        try
        {
            // JsonDocument checks UTF-8 only when a string is read; check it all up front instead.
            StrictUtf8.GetCharCount(file, 8, headerLength);
            doc = JsonDocument.Parse(file.AsMemory(8, headerLength), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is JsonException or ArgumentException or DecoderFallbackException)
        {
            throw new InvalidInputFileException(path, $"header is not valid JSON: {e.Message}", e);
        }

        var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidInputFileException(path, $"header is a JSON {doc.RootElement.ValueKind}, expected an object");
            try
            {
                foreach (var prop in doc.RootElement.EnumerateObject())
                {
                    if (!seen.Add(prop.Name))
                        throw new InvalidInputFileException(path, $"header names '{prop.Name}' twice");
                    if (prop.Name == MetadataKey)
                        ReadMetadata(prop.Value, metadata, path);
                    else
                        entries.Add(ReadEntry(prop.Name, prop.Value, dataLength, path));
                }
            }
            catch (InvalidOperationException e)
            {
                // An escaped string that is not valid UTF-16 (a lone surrogate such as "\ud800").
                throw new InvalidInputFileException(path, $"header holds an invalid string: {e.Message}", e);
            }
        }

        // The tensors must tile the data section exactly: sorted by start, each begins where the previous ended.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var e in entries)
        {
            if (e.Begin < expected)
                throw new InvalidInputFileException(path, $"tensor '{e.Name}' data [{e.Begin},{e.End}) overlaps the previous tensor (ends at {expected})");
            if (e.Begin > expected)
                throw new InvalidInputFileException(path, $"gap in the data section: bytes [{expected},{e.Begin}) belong to no tensor");
            expected = e.End;
        }
        if (expected != dataLength)
            throw new InvalidInputFileException(path, $"the tensors cover {expected} bytes of data but the data section has {dataLength}");

        var tensors = new List<SafeTensor>(entries.Count);
        foreach (var (name, shape, begin, end) in entries)
        {
            var values = new float[(end - begin) / sizeof(float)];
            ReadOnlySpan<byte> bytes = file.AsSpan(dataStart + (int)begin, (int)(end - begin));
            if (BitConverter.IsLittleEndian)
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
            else
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            tensors.Add(new SafeTensor(name, shape, values));
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidInputFileException(path, $"{MetadataKey} is a JSON {value.ValueKind}, expected an object of strings");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new InvalidInputFileException(path, $"{MetadataKey} value of '{p.Name}' is a JSON {p.Value.ValueKind}, expected a string");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw new InvalidInputFileException(path, $"{MetadataKey} names '{p.Name}' twice");
        }
    }

    private static (string, int[], long, long) ReadEntry(string name, JsonElement value, long dataLength, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidInputFileException(path, $"tensor '{name}': entry is a JSON {value.ValueKind}, expected an object");
        if (!value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new InvalidInputFileException(path, $"tensor '{name}': missing or non-string \"dtype\"");
        if (dtype.GetString() != "F32")
            throw new InvalidInputFileException(path, $"tensor '{name}': dtype {dtype.GetString()} is not supported (only F32)");
        if (!value.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
            throw new InvalidInputFileException(path, $"tensor '{name}': missing or non-array \"shape\"");
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
            throw new InvalidInputFileException(path, $"tensor '{name}': \"data_offsets\" must be an array of two numbers");

        var shape = new int[shapeJson.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out shape[i]) || shape[i] < 0)
                throw new InvalidInputFileException(path, $"tensor '{name}': shape {shapeJson.GetRawText()} must hold whole numbers 0..{int.MaxValue}");
            i++;
        }
        // Compared with the data size at every step, so the product never overflows.
        long count = Array.IndexOf(shape, 0) >= 0 ? 0 : 1;
        for (int k = 0; k < shape.Length && count != 0; k++)
        {
            count *= shape[k];
            if (count > dataLength / sizeof(float))
                throw new InvalidInputFileException(path, $"tensor '{name}': shape {shapeJson.GetRawText()} needs more data than the file holds");
        }
        long begin = Offset(offsets[0], name, path), end = Offset(offsets[1], name, path);
        if (end < begin)
            throw new InvalidInputFileException(path, $"tensor '{name}': data_offsets [{begin},{end}] end before they begin");
        if (end > dataLength)
            throw new InvalidInputFileException(path, $"tensor '{name}': data_offsets [{begin},{end}] reach past the {dataLength}-byte data section");
        if (end - begin != count * sizeof(float))
            throw new InvalidInputFileException(path, $"tensor '{name}': data_offsets [{begin},{end}] span {end - begin} bytes, but shape {shapeJson.GetRawText()} × 4 bytes needs {count * sizeof(float)}");
        return (name, shape, begin, end);
    }

    private static long Offset(JsonElement e, string name, string path)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw new InvalidInputFileException(path, $"tensor '{name}': data_offsets must be whole numbers >= 0, got {e.GetRawText()}");
        return v;
    }
}
