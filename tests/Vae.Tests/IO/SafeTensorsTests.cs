using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Vae.IO;
using Vae.Tests.Data;

namespace Vae.Tests.IO;

public class SafeTensorsTests
{
    private static (string, int[], ReadOnlyMemory<float>) T(string name, int[] shape, params float[] data) => (name, shape, data);

    /// <summary>A file from a raw JSON header (padded to 8) and <paramref name="dataBytes"/> bytes of data.</summary>
    private static byte[] Build(string json, int dataBytes, ulong? headerLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        return file;
    }

    private static void Fails(byte[] file, params string[] words)
    {
        var e = Assert.Throws<InvalidInputFileException>(() => SafeTensors.Decode(file, "ckpt.safetensors"))!;
        Assert.That(e.Message, Does.StartWith("ckpt.safetensors: "));
        Assert.That(e.Message, Does.Not.Contain("\n"));
        foreach (string w in words) Assert.That(e.Message, Does.Contain(w).IgnoreCase);
    }

    [Test]
    public void RoundTripIsBitExactWithMetadata()
    {
        using var tmp = new TempDir();
        float[] odd = [float.NaN, float.PositiveInfinity, -0f, float.Epsilon, 1e-38f, -3.5f];
        var tensors = new[]
        {
            T("enc.w", [2, 3], odd),
            T("enc.b", [3], 1, 2, 3),
            T("scalar", [], 42),
            T("empty", [0, 5]),
        };
        var meta = new Dictionary<string, string> { ["step"] = "18446744073709551615", ["note"] = "ünïcode \"quoted\"" };
        string path = tmp.File("m.safetensors");
        SafeTensors.Write(path, tensors, meta);

        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That((8 + n) % 8, Is.Zero, "data starts 8-byte aligned");
        Assert.That(Directory.GetFiles(tmp.Path), Has.Length.EqualTo(1), "no temp file left behind");

        var f = SafeTensors.Read(path);
        Assert.That(f.Metadata, Is.EquivalentTo(meta));
        Assert.That(f.Tensors.Select(t => t.Name), Is.EquivalentTo(new[] { "enc.w", "enc.b", "scalar", "empty" }));
        Assert.That(f["enc.w"].Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(f["enc.w"].Data.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(odd.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(f["enc.b"].Data, Is.EqualTo(new float[] { 1, 2, 3 }));
        Assert.That(f["scalar"].Shape, Is.Empty);
        Assert.That(f["scalar"].Data, Is.EqualTo(new float[] { 42 }));
        Assert.That(f["empty"].Shape, Is.EqualTo(new[] { 0, 5 }));
        Assert.That(f["empty"].Data, Is.Empty);
        Assert.That(f.TryGet("nope", out _), Is.False);
    }

    [Test]
    public void HeaderIsTheDocumentedJson()
    {
        byte[] bytes = SafeTensors.Encode([T("w", [1, 2], 1, 2)], new Dictionary<string, string> { ["k"] = "v" });
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, n));
        var w = doc.RootElement.GetProperty("w");
        Assert.That(w.GetProperty("dtype").GetString(), Is.EqualTo("F32"));
        Assert.That(w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(w.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()), Is.EqualTo(new long[] { 0, 8 }));
        Assert.That(doc.RootElement.GetProperty("__metadata__").GetProperty("k").GetString(), Is.EqualTo("v"));
        Assert.That(bytes.Length, Is.EqualTo(8 + n + 8));
    }

    [Test]
    public void WriterReplacesAnExistingFile()
    {
        using var tmp = new TempDir();
        string path = tmp.File("m.safetensors");
        SafeTensors.Write(path, [T("a", [1], 1)]);
        SafeTensors.Write(path, [T("b", [2], 2, 3)]);
        Assert.That(SafeTensors.Read(path).Tensors.Single().Name, Is.EqualTo("b"));
    }

    [Test]
    public void WriterRejectsInconsistentTensors()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Encode([T("a", [2], 1)]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Encode([T("a", [1], 1), T("a", [1], 1)]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Encode([T("__metadata__", [1], 1)]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Encode([T("a", [-1])]));
    }

    private const string W = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    [Test] public void ValidHandmadeFileLoads() => Assert.That(SafeTensors.Decode(Build(W, 8), "x")["w"].Data, Has.Length.EqualTo(2));
    [Test] public void ShorterThan8Bytes() => Fails([1, 0, 0], "truncated");
    [Test] public void Empty() => Fails([], "truncated");
    [Test] public void HeaderLongerThanFile() => Fails(Build(W, 8, headerLength: 1000), "header length 1000");

    [Test]
    public void HeaderOf2ToThe63FailsWithoutAllocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(Build(W, 8, headerLength: 1UL << 63), "header length 9223372036854775808");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
    }

    [Test] public void HeaderNotJson() => Fails(Build("{\"w\":", 0), "not valid JSON");
    [Test]
    public void HeaderNotUtf8()
    {
        byte[] file = Build("{\"__metadata__\":{\"k\":\"xy\"}}", 0);
        file[8 + 22] = 0xFF; // the 'x' inside the value: 0xFF is never valid UTF-8
        Fails(file);
    }

    [Test] public void HeaderWithLoneSurrogate() => Fails(Build("{\"__metadata__\":{\"k\":\"\\ud800\"}}", 0), "invalid string");
    [Test] public void HeaderNotAnObject() => Fails(Build("[1,2]", 0), "expected an object");
    [Test] public void EntryNotAnObject() => Fails(Build("{\"w\":3}", 0), "'w'", "expected an object");
    [Test] public void MissingDtype() => Fails(Build("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "dtype");
    [Test] public void MissingShape() => Fails(Build("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "shape");
    [Test] public void MissingOffsets() => Fails(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "data_offsets");
    [Test] public void WrongDtype() => Fails(Build(W.Replace("F32", "F16"), 8), "dtype F16");
    [Test] public void NegativeDim() => Fails(Build(W.Replace("[2]", "[-2]"), 8), "shape");
    [Test] public void FractionalDim() => Fails(Build(W.Replace("[2]", "[2.5]"), 8), "shape");
    [Test] public void ShapeProductOverflows() => Fails(Build(W.Replace("[2]", "[2147483647,2147483647,2147483647,2147483647]"), 8), "more data than the file holds");
    [Test] public void OffsetsNotMatchingShape() => Fails(Build(W.Replace("[2]", "[1]"), 8), "span 8 bytes", "needs 4");
    [Test] public void OffsetsReversed() => Fails(Build(W.Replace("[0,8]", "[8,0]"), 8), "end before");
    [Test] public void OffsetsOutsideData() => Fails(Build(W.Replace("[0,8]", "[4,12]"), 8), "past");
    [Test] public void OffsetsNegative() => Fails(Build(W.Replace("[0,8]", "[-8,0]"), 8), "data_offsets");
    [Test] public void OffsetsOfThreeNumbers() => Fails(Build(W.Replace("[0,8]", "[0,8,8]"), 8), "two numbers");
    [Test] public void DataNotFullyCovered() => Fails(Build(W, 12), "cover 8 bytes", "12");
    [Test] public void GapBetweenTensors() => Fails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12), "gap");
    [Test] public void OverlappingTensors() => Fails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "overlaps");
    [Test] public void DuplicateNames() => Fails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "twice");
    [Test] public void MetadataNotStrings() => Fails(Build("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__", "string");
    [Test] public void MetadataNotAnObject() => Fails(Build("{\"__metadata__\":[]}", 0), "__metadata__");

    [Test]
    public void FolderAndMissingFile()
    {
        using var tmp = new TempDir();
        Assert.Throws<InvalidInputFileException>(() => SafeTensors.Read(tmp.Path));
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Read(tmp.File("none")));
    }
}
