using System.Diagnostics;
using Vae.Cli;
using Vae.IO;
using Vae.Tests.Data;
using Vae.Tests.IO;

namespace Vae.Tests.Robustness;

/// <summary>
/// The mutation fuzzer one level further up (issue 9): whole run folders with one to three files replaced by garbage,
/// an empty or truncated copy, a bit-flipped copy, a folder, a FIFO, a link to /dev/zero, a dangling link or a link to
/// another file of the run. Resuming the run, evaluating its model and sampling from its resume checkpoint must each
/// work (exit 0) or say what is wrong in one line (exit 2); never hang, crash, leave a temporary file, or replace a
/// special file it found. The failure names the case seed and what was spoiled.
/// </summary>
[NonParallelizable]
public class RunFolderFuzzTests
{
    private const int Cases = 30;

    internal delegate void Spoil(string path, Random rng, string[] others);

    internal static readonly (string Name, Spoil Apply)[] Spoilers =
    [
        ("garbage", (p, rng, _) => Replace(p, RandomBytes(rng, rng.Next(1, 3000)))),
        ("empty", (p, _, _) => Replace(p, [])),
        ("truncated", (p, rng, _) => { var b = File.ReadAllBytes(p); Replace(p, b[..rng.Next(b.Length)]); }),
        ("mutated", (p, rng, _) =>
            Replace(p, FuzzTests.Mutate(File.ReadAllBytes(p), rng.Next(), p.EndsWith(".safetensors")))),
        ("folder", (p, _, _) => { File.Delete(p); Directory.CreateDirectory(p); }),
        ("FIFO", (p, _, _) => { File.Delete(p); Nodes.Fifo(p); }),
        ("link to /dev/zero", (p, _, _) => { File.Delete(p); Nodes.Link(p, "/dev/zero"); }),
        ("dangling link", (p, _, _) => { File.Delete(p); Nodes.Link(p, p + ".gone"); }),
        ("link to another file",
            (p, rng, others) => { File.Delete(p); Nodes.Link(p, others[rng.Next(others.Length)]); }),
    ];

    private static void Replace(string path, byte[] bytes)
    {
        if (FileEntry.Of(path, followLinks: false).Kind != FileKind.Regular) return;
        File.WriteAllBytes(path, bytes);
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    [Test]
    public void SpoiledRunFoldersAreOneLineOrWork()
    {
        using var temp = new TempDir();
        string seedRun = temp.File("seed");
        var trained = CliRun.Run(CliRun.Tiny(seedRun, "--epochs", "1"));
        Assert.That(trained.Code, Is.EqualTo(ExitCodes.Ok), trained.ToString());
        string[] names = Directory.GetFiles(seedRun).Select(f => Path.GetFileName(f)!)
            .Order(StringComparer.Ordinal).ToArray();
        Assert.That(names, Does.Contain("resume.safetensors").And.Contain("run.lock").And.Contain("sample_1.png"));

        var clock = Stopwatch.StartNew();
        var outcomes = new Dictionary<int, int>();
        for (int seed = 0; seed < Cases; seed++)
        {
            var rng = new Random(9_000 + seed);
            string run = temp.File($"case-{seed}");
            Directory.CreateDirectory(run);
            foreach (var n in names) File.Copy(Path.Combine(seedRun, n), Path.Combine(run, n));
            var spoiled = new List<string>();
            foreach (string name in names.OrderBy(_ => rng.Next()).Take(1 + rng.Next(3)).ToList())
            {
                var (how, apply) = Spoilers[rng.Next(Spoilers.Length)];
                apply(Path.Combine(run, name), rng,
                    names.Where(n => n != name).Select(n => Path.Combine(run, n)).ToArray());
                spoiled.Add($"{name}: {how}");
            }
            string what = $"case seed {9_000 + seed} ({string.Join("; ", spoiled)})";
            var kinds = names.ToDictionary(n => n, n => FileEntry.Of(Path.Combine(run, n), followLinks: false).Kind);

            CliResult[] results =
            [
                CliRun.Run("train", "--out", run, "--resume", "--epochs", "2", "--data", TestPaths.Slice,
                    "--threads", "2"),
                CliRun.Run("eval", "--checkpoint", Path.Combine(run, "model.safetensors"), "--data", TestPaths.Slice,
                    "--threads", "1"),
                CliRun.Run("sample", "--checkpoint", Path.Combine(run, "resume.safetensors"), "--out",
                    Path.Combine(run, "s.png"), "--n", "4"),
            ];
            foreach (var r in results)
            {
                outcomes[r.Code] = outcomes.GetValueOrDefault(r.Code) + 1;
                Assert.That(r.Code, Is.EqualTo(ExitCodes.Ok).Or.EqualTo(ExitCodes.BadInput), $"{what}\n{r}");
                Assert.That(r.Err, Does.Not.Contain("   at "), $"{what}\n{r}");
                if (r.Code != ExitCodes.Ok) Assert.That(r.ErrLines, Has.Length.EqualTo(1), $"{what}\n{r}");
            }
            foreach (var (n, kind) in kinds)
                if (kind != FileKind.Regular)
                    Assert.That(FileEntry.Of(Path.Combine(run, n), followLinks: false).Kind, Is.EqualTo(kind),
                        $"{what}: {n} was replaced");
            Assert.That(Directory.GetFiles(run, ".*.tmp"), Is.Empty, $"{what}: a temporary file was left");
        }
        TestContext.Out.WriteLine($"{Cases} run folders, exit codes " +
            $"{string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}"))}, " +
            $"{clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(outcomes.GetValueOrDefault(ExitCodes.BadInput), Is.GreaterThan(Cases / 2),
            "most cases must reach a check");
        Assert.That(outcomes.GetValueOrDefault(ExitCodes.Ok), Is.GreaterThan(0), "and some must still work");
    }
}
