using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Vae.Data;
using Vae.Imaging;
using Vae.IO;

namespace Vae.Tests.IO;

/// <summary>
/// Seeded mutation fuzzing of the readers: every mutated file must either load or fail with
/// <see cref="InvalidInputFileException"/>. Any other exception is a bug; the failure names the case seed so it can
/// be replayed with <see cref="Mutate"/>.
/// </summary>
public class FuzzTests
{
    private const int CasesPerSeedFile = 4000;

    private static byte[] SafeTensorsSeed() => SafeTensors.Encode(
    [
        ("enc.w", [3, 4], Enumerable.Range(0, 12).Select(i => i * 0.25f).ToArray()),
        ("enc.b", [4], new float[] { 1, -1, 2, -2 }),
        ("s", [], new float[] { 7 }),
    ], new Dictionary<string, string> { ["step"] = "12", ["seed"] = "1" });

    private static byte[] IdxImagesSeed()
    {
        var data = new byte[5 * 28 * 28];
        new Random(1).NextBytes(data);
        return Idx.Encode([5, 28, 28], data);
    }

    private static byte[] IdxLabelsSeed() => Idx.Encode([6], [0, 1, 2, 7, 8, 9]);

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    /// <summary>Applies one to three random mutations chosen by <paramref name="seed"/>.</summary>
    internal static byte[] Mutate(byte[] seedFile, int seed, bool isSafeTensors)
    {
        var rng = new Random(seed);
        var b = new List<byte>(seedFile);
        int mutations = 1 + rng.Next(3);
        for (int m = 0; m < mutations; m++)
        {
            if (b.Count == 0) b.Add((byte)rng.Next(256));
            int pos = rng.Next(b.Count);
            switch (rng.Next(8))
            {
                case 0: b[pos] ^= (byte)(1 << rng.Next(8)); break;                         // bit flip
                case 1: b[pos] = (byte)rng.Next(256); break;                                // byte overwrite
                case 2: b.RemoveRange(pos, b.Count - pos); break;                           // truncation
                case 3: b.InsertRange(pos, RandomBytes(rng, 1 + rng.Next(8))); break;       // insertion
                case 4: b.RemoveRange(pos, Math.Min(b.Count - pos, 1 + rng.Next(8))); break; // deletion
                case 5: OverwriteHeaderNumber(b, rng, isSafeTensors); break;               // length prefix / dims
                case 6: if (isSafeTensors) MutateJsonNumber(b, rng); else b[rng.Next(Math.Min(4, b.Count))] = (byte)rng.Next(256); break;
                default: if (isSafeTensors) MutateJsonWord(b, rng); else b[pos] ^= 0xFF; break;
            }
        }
        return b.ToArray();
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var x = new byte[n];
        rng.NextBytes(x);
        return x;
    }

    private static readonly ulong[] Interesting =
        [0, 1, 7, 8, 255, 256, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1UL << 32, 1UL << 63, ulong.MaxValue];

    // safetensors: the 8-byte length prefix; IDX: one of the big-endian int32 dimensions (or the magic word).
    private static void OverwriteHeaderNumber(List<byte> b, Random rng, bool isSafeTensors)
    {
        ulong v = rng.Next(3) == 0 ? (ulong)rng.NextInt64() : Interesting[rng.Next(Interesting.Length)];
        if (isSafeTensors)
        {
            if (b.Count < 8) return;
            if (rng.Next(2) == 0) v = (ulong)((long)BinaryPrimitives.ReadUInt64LittleEndian(b.ToArray()) + rng.Next(-9, 10));
            for (int i = 0; i < 8; i++) b[i] = (byte)(v >> (8 * i));
        }
        else
        {
            int word = rng.Next(4);
            if (b.Count < 4 * word + 4) return;
            for (int i = 0; i < 4; i++) b[4 * word + i] = (byte)(v >> (8 * (3 - i)));
        }
    }

    // Replaces a number in the JSON header (an offset or a shape entry) with a nearby or extreme value.
    private static void MutateJsonNumber(List<byte> b, Random rng)
    {
        var digits = Enumerable.Range(8, Math.Max(0, b.Count - 8)).Where(i => b[i] >= '0' && b[i] <= '9').ToList();
        if (digits.Count == 0) return;
        int start = digits[rng.Next(digits.Count)];
        int end = start;
        while (end < b.Count && b[end] >= '0' && b[end] <= '9') end++;
        string[] replacements = ["0", "1", "-1", "4", "8", "48", "52", "2147483648", "9223372036854775807",
            "18446744073709551616", "1e3", "3.5", "99999999999999999999999"];
        string r = rng.Next(3) == 0 ? rng.Next(0, 100).ToString() : replacements[rng.Next(replacements.Length)];
        b.RemoveRange(start, end - start);
        b.InsertRange(start, Encoding.ASCII.GetBytes(r));
    }

    // Swaps a dtype, a key name or a structural token in the JSON header.
    private static void MutateJsonWord(List<byte> b, Random rng)
    {
        string text = Encoding.Latin1.GetString(b.ToArray());
        (string From, string To)[] swaps =
        [
            ("F32", "F16"), ("F32", "I64"), ("\"shape\"", "\"shapf\""), ("\"dtype\"", "\"dtypo\""),
            ("data_offsets", "data_offset"), ("[", "{"), ("]", ""), (",", ""), ("\"F32\"", "32"),
            ("__metadata__", "enc.w"), ("\"12\"", "12"), ("enc.b", "enc.w"), (":", "::"),
        ];
        var (from, to) = swaps[rng.Next(swaps.Length)];
        int at = text.IndexOf(from, StringComparison.Ordinal);
        if (at < 0) return;
        b.RemoveRange(at, from.Length);
        b.InsertRange(at, Encoding.Latin1.GetBytes(to));
    }

    private static (int Loaded, int Rejected) Run(string what, byte[] seedFile, bool isSafeTensors, int baseSeed, Action<byte[]> read)
    {
        read(seedFile); // the seed itself must load
        int loaded = 0, rejected = 0;
        for (int i = 0; i < CasesPerSeedFile; i++)
        {
            int seed = baseSeed + i;
            byte[] file = Mutate(seedFile, seed, isSafeTensors);
            try
            {
                read(file);
                loaded++;
            }
            catch (InvalidInputFileException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: case seed {seed} threw {e.GetType().Name} instead of InvalidInputFileException: {e.Message}");
            }
        }
        TestContext.Out.WriteLine($"{what}: {loaded} loaded, {rejected} rejected");
        return (loaded, rejected);
    }

    [Test]
    public void ReadersSurviveTenThousandMutations()
    {
        var clock = Stopwatch.StartNew();
        int total = 0;
        void Count((int Loaded, int Rejected) r) => total += r.Loaded + r.Rejected;

        Count(Run("safetensors", SafeTensorsSeed(), true, 1_000_000, f => SafeTensors.Decode(f, "fuzz.safetensors")));
        Count(Run("idx images raw", IdxImagesSeed(), false, 2_000_000, f => Idx.CheckImages(Idx.Decode(f, "fuzz-images"), "fuzz-images", 28, 28)));
        Count(Run("idx labels raw", IdxLabelsSeed(), false, 3_000_000, f => Idx.CheckLabels(Idx.Decode(f, "fuzz-labels"), "fuzz-labels", 10)));
        Count(Run("idx images gz", Gzip(IdxImagesSeed()), false, 4_000_000, f => Idx.Decode(f, "fuzz-images.gz")));
        // Header mutations behind valid gzip: the size checks must hold after decompression too.
        Count(Run("idx labels, mutated then gzipped", IdxLabelsSeed(), false, 6_000_000, f => Idx.Decode(Gzip(f), "fuzz-labels.gz")));
        Count(Run("png", Png.Encode(new GrayImage(9, 7, 77)), false, 5_000_000, f => Png.Decode(f, "fuzz.png")));

        Assert.That(total, Is.GreaterThanOrEqualTo(10_000));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void MutationsAreReproducibleFromTheSeed()
    {
        byte[] s = SafeTensorsSeed();
        Assert.That(Mutate(s, 1234, true), Is.EqualTo(Mutate(s, 1234, true)));
    }
}
