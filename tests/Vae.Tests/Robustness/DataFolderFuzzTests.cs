using Vae.Cli;
using Vae.Data;
using Vae.IO;
using Vae.Tests.Data;

namespace Vae.Tests.Robustness;

/// <summary>
/// The run-folder fuzzer's spoilers aimed at every registered dataset's folder (issue 9: "and to the datasets added by
/// other issues"): each case copies the dataset's seed folder, spoils one or two of its files, and loads it through
/// <see cref="IDataset.Load"/>, which must succeed or fail with InvalidInputFileException or FileNotFoundException;
/// every fifth case also trains on it through the CLI (exit 0, or exit 2 in one line). A new dataset needs a seed
/// folder here, or <see cref="EveryDatasetHasASeedFolder"/> fails.
/// </summary>
[NonParallelizable]
public class DataFolderFuzzTests
{
    private const int Cases = 60;

    /// <summary>A small valid copy of each dataset's files.</summary>
    private static readonly Dictionary<string, Func<string>> SeedFolders = new()
    {
        ["mnist"] = () => TestPaths.Slice,
        ["shapes"] = () => Directory.CreateTempSubdirectory("vae-shapes-seed-").FullName,   // made in memory: no files
        ["fashion-mnist"] = () => TestPaths.FashionSlice,
    };

    public static IEnumerable<string> Names => Datasets.Names;

    [Test]
    public void EveryDatasetHasASeedFolder() => Assert.That(SeedFolders.Keys, Is.EquivalentTo(Datasets.Names));

    [TestCaseSource(nameof(Names))]
    public void SpoiledDataFoldersLoadOrAreOneLine(string name)
    {
        var dataset = Datasets.Get(name);
        string seedDir = SeedFolders[name]();
        string[] files = Directory.GetFiles(seedDir).Select(f => Path.GetFileName(f)!)
            .Order(StringComparer.Ordinal).ToArray();
        var seed = dataset.Load(seedDir);   // the seed itself loads
        if (files.Length == 0)
        {
            // A set rendered in memory reads nothing from its folder: any folder, even one full of junk, gives the
            // same images, so there is nothing to spoil.
            using var junk = new TempDir();
            File.WriteAllBytes(junk.File("train-images-idx3-ubyte"), [1, 2, 3]);
            var again = dataset.Load(junk.Path);
            Assert.That(again.Train.Images, Is.EqualTo(seed.Train.Images));
            Assert.That(again.Test.Images, Is.EqualTo(seed.Test.Images));
            Directory.Delete(seedDir);
            return;
        }
        using var temp = new TempDir();
        string? mirror = Environment.GetEnvironmentVariable("VAE_MNIST_MIRROR");
        Environment.SetEnvironmentVariable("VAE_MNIST_MIRROR", "http://127.0.0.1:1/");   // never the network
        int loaded = 0, rejected = 0;
        try
        {
            for (int c = 0; c < Cases; c++)
            {
                var rng = new Random(5_000 + c);
                string dir = temp.File($"case-{c}");
                Directory.CreateDirectory(dir);
                foreach (var f in files) File.Copy(Path.Combine(seedDir, f), Path.Combine(dir, f));
                var spoiled = new List<string>();
                foreach (string f in files.OrderBy(_ => rng.Next()).Take(1 + rng.Next(2)).ToList())
                {
                    var (how, apply) = RunFolderFuzzTests.Spoilers[rng.Next(RunFolderFuzzTests.Spoilers.Length)];
                    apply(Path.Combine(dir, f), rng,
                        files.Where(o => o != f).Select(o => Path.Combine(dir, o)).ToArray());
                    spoiled.Add($"{f}: {how}");
                }
                string what = $"{name} case seed {5_000 + c} ({string.Join("; ", spoiled)})";
                var kinds = files.ToDictionary(f => f,
                    f => FileEntry.Of(Path.Combine(dir, f), followLinks: false).Kind);

                try { dataset.Load(dir); loaded++; }
                catch (Exception e) when (e is InvalidInputFileException or FileNotFoundException) { rejected++; }
                catch (Exception e) { Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}"); }

                if (c % 5 == 0)
                {
                    string run = temp.File($"run-{c}");
                    var r = CliRun.Run(CliRun.Tiny(run, "--dataset", name, "--data", dir, "--epochs", "1"));
                    Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok).Or.EqualTo(ExitCodes.BadInput), $"{what}\n{r}");
                    Assert.That(r.Err, Does.Not.Contain("   at "), $"{what}\n{r}");
                    if (r.Code != ExitCodes.Ok) Assert.That(r.ErrLines, Has.Length.EqualTo(1), $"{what}\n{r}");
                }
                foreach (var (f, kind) in kinds)
                    Assert.That(FileEntry.Of(Path.Combine(dir, f), followLinks: false).Kind, Is.EqualTo(kind),
                        $"{what}: {f} was replaced");
            }
        }
        finally { Environment.SetEnvironmentVariable("VAE_MNIST_MIRROR", mirror); }
        TestContext.Out.WriteLine($"{name}: {loaded} loaded, {rejected} rejected");
        Assert.That(rejected, Is.GreaterThan(Cases / 2));
    }
}
