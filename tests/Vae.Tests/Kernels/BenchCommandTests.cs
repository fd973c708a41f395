using Vae.Kernels;
using Vae.Tests.Robustness;

namespace Vae.Tests.Kernels;

/// <summary>The benchmark commands name the instruction set and thread count they ran with.</summary>
[NonParallelizable]
public class BenchCommandTests
{
    [Test]
    public void BenchTrainPrintsTheInstructionSetAndThreads()
    {
        var r = CliRun.Run("bench", "train", "--steps", "2", "--warmup", "1", "--repeats", "1", "--threads", "2",
            "--hidden", "32", "--latent", "4");
        Assert.That(r.Code, Is.Zero, r.ToString());
        Assert.That(r.Out, Does.Contain("2 threads").And.Contain("GEMM " + Gemm.Describe(Gemm.Path)));
        var last = r.Out.Trim().Split('\n')[^1].Split(',');
        Assert.That(last[0], Is.EqualTo("vae"));
        Assert.That(last[1], Is.EqualTo("2"));
        Assert.That(last[^1], Is.EqualTo(Gemm.Path.ToString()));
    }

    [Test]
    public void BenchTrainAlternatesOneSwitchAtATimeAndRestoresIt()
    {
        // Each "both" option alone: its two variants, in order, and the default back afterwards. --adapt runs 20 steps
        // a repetition, so the chooser (one for the run) finishes its first probe.
        CliResult Both(string option, string steps, string on, string off)
        {
            var r = CliRun.Run("bench", "train", "--steps", steps, "--warmup", "1", "--repeats", "2", "--threads", "2",
                "--batch-size", "20", "--hidden", "32", "--latent", "4", option, "both");
            Assert.That(r.Code, Is.Zero, r.ToString());
            var rows = r.Out.Trim().Split('\n').Where(l => l.StartsWith("vae,")).ToArray();
            Assert.That(rows.Select(l => l.Split(',')[^1]), Is.EqualTo(new[] { on, off }), option);
            return r;
        }
        Both("--split-k", "2", "split-k on", "split-k off");
        Assert.That(Gemm.SplitFewRowsByK, Is.True, "the default is back after the run");
        Both("--claim", "2", "claim on", "claim off");
        Assert.That(Gemm.ClaimTiles, Is.True, "the default is back after the run");
        var adapt = Both("--adapt", "20", "adapt on", "adapt off");
        Assert.That(adapt.Out,
            Does.Match(@"thread choice: \d+% of the steps \(warm-up included\) on one thread; [01] of 1 "));
        foreach (var pair in new[] { ("--update", "--split-k"), ("--split-k", "--claim"), ("--update", "--claim"),
            ("--claim", "--adapt") })
        {
            var both = CliRun.Run("bench", "train", pair.Item1, "both", pair.Item2, "both");
            Assert.That(both.Code, Is.Not.Zero, pair.ToString());
            Assert.That(both.Err, Does.Contain("alternate one at a time"), pair.ToString());
        }
    }

    [TestCase("--split-k", "off", true)]
    [TestCase("--split-k", "on", false)]
    [TestCase("--claim", "off", true)]
    [TestCase("--claim", "on", false)]
    public void BenchTrainGivesTheCallerItsSwitchBack(string option, string value, bool before)
    {
        // The switches are process-wide: `--split-k off` must not leave every later product in this process (the
        // tests after this one) cut by columns, nor `on` undo a caller's choice; the same for --claim.
        Func<bool> get = option == "--claim" ? () => Gemm.ClaimTiles : () => Gemm.SplitFewRowsByK;
        Action<bool> set = option == "--claim" ? v => Gemm.ClaimTiles = v : v => Gemm.SplitFewRowsByK = v;
        set(before);
        try
        {
            var r = CliRun.Run("bench", "train", "--steps", "1", "--warmup", "1", "--repeats", "1", "--threads", "2",
                "--batch-size", "20", "--hidden", "32", "--latent", "4", option, value);
            Assert.That(r.Code, Is.Zero, r.ToString());
            Assert.That(get(), Is.EqualTo(before), $"after {option} {value}");
        }
        finally { set(true); }
    }

    [Test]
    public void BenchTrainProfileSaysWhereTheStepGoes()
    {
        var r = CliRun.Run("bench", "train", "--steps", "3", "--warmup", "1", "--repeats", "1", "--threads", "1",
            "--hidden", "32", "--latent", "4", "--profile");
        Assert.That(r.Code, Is.Zero, r.ToString());
        Assert.That(r.Out, Does.Contain("profile of 3 steps").And.Contain("part,us_per_step,share"));
        foreach (var part in new[] { "batch", "noise", "forward", "backward", "optimizer" })
            Assert.That(r.Out, Does.Match($"(?m)^{part},[0-9.]+,"), part);
        Assert.That(r.Out, Does.Match("(?m)^linear,[0-9.]+,5,").And.Match("(?m)^linear \\(backward\\),[0-9.]+,5,"));
    }

    [Test]
    public void BenchMatmulPrintsThePathItTimedAndRefusesOneItCannotRun()
    {
        var r = CliRun.Run("bench", "matmul", "--isa", "portable", "--threads", "1", "--repeats", "1", "--warmup", "0",
            "--min-ms", "0");
        Assert.That(r.Code, Is.Zero, r.ToString());
        Assert.That(r.Err, Does.Contain(Gemm.Describe(GemmPath.Portable) + ", 1 threads"));
        Assert.That(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1),
            Has.All.Contains(",Portable,1,"), r.Out);
        Assert.That(CliRun.Run("bench", "matmul", "--isa", "sse9").Code, Is.EqualTo(2));
        foreach (var path in Enum.GetValues<GemmPath>().Where(p => !Gemm.IsSupported(p)))
            Assert.That(CliRun.Run("bench", "matmul", "--isa", path.ToString().ToLowerInvariant()).Code, Is.EqualTo(2));
    }
}
