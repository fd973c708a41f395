using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vae.Cli;
using Vae.Model;
using Vae.Nn;
using Vae.Tests.Data;

namespace Vae.Tests.Robustness;

/// <summary>
/// Issue 5.2: a bad checkpoint given to 'vae eval' or 'vae sample' is one line naming the file and what is wrong, exit 2.
/// The files are built by hand (header JSON + data) from the tensors of a real tiny model, each with one thing broken.
/// </summary>
[NonParallelizable]
public class BadCheckpointTests
{
    private static readonly VaeConfig Tiny = new() { Hidden = [16], Latent = 3 };

    private sealed record Entry(string Name, string Dtype, int[] Shape, long Begin, long End);

    /// <summary>The entries, metadata and data of a valid checkpoint of <see cref="Tiny"/>.</summary>
    private static (List<Entry> Entries, Dictionary<string, string> Metadata, byte[] Data) Valid()
    {
        var model = new VaeModel(Tiny);
        model.Initialize(new Rng(3));
        var entries = new List<Entry>();
        var data = new MemoryStream();
        foreach (var (name, shape, t) in model.NamedParameters())
        {
            long begin = data.Length;
            foreach (float f in t.Data) data.Write(BitConverter.GetBytes(f));
            entries.Add(new Entry(name, "F32", shape, begin, data.Length));
        }
        return (entries, Tiny.ToMetadata(), data.ToArray());
    }

    private static byte[] File(IEnumerable<Entry> entries, Dictionary<string, string> metadata, byte[] data, ulong? headerLength = null)
    {
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata) w.WriteString(k, v);
            w.WriteEndObject();
            foreach (var e in entries)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.Dtype);
                w.WriteStartArray("shape");
                foreach (int d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        var header = json.ToArray();
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    private static byte[] With(Func<List<Entry>, List<Entry>> entries) { var (e, m, d) = Valid(); return File(entries(e), m, d); }

    private static byte[] WithMetadata(string key, string value) { var (e, m, d) = Valid(); m[key] = value; return File(e, m, d); }

    private static List<Entry> Change(List<Entry> e, int i, Func<Entry, Entry> change) { e[i] = change(e[i]); return e; }

    private static readonly Dictionary<string, Func<byte[]>> Cases = new()
    {
        ["header length larger than the file"] = () =>
        {
            var (e, m, d) = Valid();
            var f = File(e, m, d);
            BinaryPrimitives.WriteUInt64LittleEndian(f, (ulong)f.Length);
            return f;
        },
        ["header length 2^63"] = () => { var (e, m, d) = Valid(); return File(e, m, d, 1UL << 63); },
        ["header not JSON"] = () =>
        {
            var (e, m, d) = Valid();
            var f = File(e, m, d);
            f[8] = (byte)'x';
            return f;
        },
        ["header not UTF-8"] = () =>
        {
            var (e, m, d) = Valid();
            var f = File(e, m, d);
            int at = Encoding.ASCII.GetString(f).IndexOf("relu", StringComparison.Ordinal);
            f[at] = 0xC3;
            f[at + 1] = 0x28;
            return f;
        },
        ["offsets past the data"] = () => With(e => Change(e, e.Count - 1, x => x with { Begin = x.Begin + 4, End = x.End + 4 })),
        ["overlapping offsets"] = () => With(e => Change(e, 1, x => x with { Begin = x.Begin - 4, End = x.End - 4 })),
        ["negative offset"] = () => With(e => Change(e, 0, x => x with { Begin = -8 })),
        ["dtype F16"] = () => With(e => Change(e, 2, x => x with { Dtype = "F16" })),
        ["transposed shape"] = () => With(e => Change(e, 0, x => x with { Shape = [x.Shape[1], x.Shape[0]] })),
        ["shape larger than the data"] = () => With(e => Change(e, 0, x => x with { Shape = [1 << 30, 1 << 30] })),
        ["missing tensor"] = () =>
        {
            var (e, m, d) = Valid();
            var last = e[^1];
            e.RemoveAt(e.Count - 1);
            return File(e, m, d[..(int)last.Begin]);
        },
        ["metadata of another model"] = () => WithMetadata("latent", "4"),
        ["metadata claiming a huge model"] = () => WithMetadata("hidden", "2000000000,2000000000"),
        ["metadata not a Vae checkpoint"] = () => { var (e, _, d) = Valid(); return File(e, new() { ["format"] = "pt" }, d); },
        ["truncated data"] = () => { var (e, m, d) = Valid(); return File(e, m, d)[..^100]; },
        ["seven bytes"] = () => [1, 2, 3, 4, 5, 6, 7],
        ["empty"] = () => [],
        ["a PNG"] = () => Vae.Imaging.Png.Encode(new Vae.Imaging.GrayImage(4, 4, 0)),
    };

    public static IEnumerable<TestCaseData> CaseNames() =>
        from name in Cases.Keys from command in new[] { "eval", "sample" } select new TestCaseData(command, name);

    [TestCaseSource(nameof(CaseNames))]
    public void BadCheckpointIsOneLineAndExit2(string command, string name)
    {
        using var temp = new TempDir();
        string path = temp.File("bad.safetensors");
        System.IO.File.WriteAllBytes(path, Cases[name]());
        string[] args = command == "eval"
            ? ["eval", "--checkpoint", path, "--data", TestPaths.Slice, "--threads", "1"]
            : ["sample", "--checkpoint", path, "--out", temp.File("s.png")];

        var clock = Stopwatch.StartNew();
        var r = CliRun.Run(args);

        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
        Assert.That(r.Err, Does.StartWith($"vae {command}: {path}"), r.ToString());
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "rejected at once, without reading or allocating what the header claims");
        Assert.That(System.IO.File.Exists(temp.File("s.png")), Is.False);
    }

    [Test]
    public void AModelThatDoesNotTakeMnistImagesIsOneLine()
    {
        // A well-formed checkpoint of a 100-input model: the library loads it, but no command can feed it MNIST.
        using var temp = new TempDir();
        string path = temp.File("small-input.safetensors");
        Vae.Training.Checkpoint.Save(path, new VaeModel(new VaeConfig { Input = 100, Hidden = [8], Latent = 2 }));
        foreach (var args in new[]
        {
            new[] { "eval", "--checkpoint", path, "--data", TestPaths.Slice },
            new[] { "sample", "--checkpoint", path, "--out", temp.File("s.png") },
            new[] { "reconstruct", "--checkpoint", path, "--data", TestPaths.Slice, "--out", temp.File("r.png") },
        })
        {
            var r = CliRun.Run(args);
            Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
            Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
            Assert.That(r.Err, Does.Contain("100 inputs").And.Contain("784"), r.ToString());
        }
    }

    [Test]
    public void TheHandBuiltValidFileLoads()
    {
        using var temp = new TempDir();
        string path = temp.File("ok.safetensors");
        var (e, m, d) = Valid();
        System.IO.File.WriteAllBytes(path, File(e, m, d));
        var r = CliRun.Run("sample", "--checkpoint", path, "--out", temp.File("s.png"), "--n", "4");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok), r.ToString());
    }

    [TestCase(new[] { 16 }, 3, ModelKind.Vae)]
    [TestCase(new[] { 400 }, 20, ModelKind.Vae)]
    [TestCase(new[] { 64, 32, 8 }, 5, ModelKind.Vae)]
    [TestCase(new[] { 12, 7 }, 2, ModelKind.Ae)]
    public void ParameterCountMatchesTheBuiltModel(int[] hidden, int latent, ModelKind kind)
    {
        var config = new VaeConfig { Hidden = hidden, Latent = latent, Kind = kind };
        Assert.That(config.ParameterCount(), Is.EqualTo(new VaeModel(config).Parameters.Count));
    }

    [Test]
    public void AHugeModelInTheMetadataIsRejectedBeforeAllocating()
    {
        using var temp = new TempDir();
        string path = temp.File("huge.safetensors");
        System.IO.File.WriteAllBytes(path, WithMetadata("hidden", "100000,100000,100000"));
        var e = Assert.Throws<InvalidInputFileException>(() => Checkpoint.Load(path))!;
        Assert.That(e.Message, Does.Contain("metadata describes").And.Contain("parameters"));
    }

    [Test]
    public void MissingCheckpointIsOneLine()
    {
        var r = CliRun.Run("sample", "--checkpoint", "/nonexistent/x.safetensors", "--out", Path.Combine(Path.GetTempPath(), "vae-never.png"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.ToString());
        Assert.That(r.ErrLines, Has.Length.EqualTo(1), r.ToString());
    }
}
