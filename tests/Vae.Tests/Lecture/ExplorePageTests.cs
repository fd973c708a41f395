using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vae.Engine;
using Vae.Lecture;
using Vae.Model;

namespace Vae.Tests.Lecture;

public class ExplorePageTests
{
    private static (VaeModel Model, string Html) Page(int latent, int[] hidden, Activation activation)
    {
        var model = new VaeModel(new VaeConfig { Hidden = hidden, Latent = latent, Activation = activation });
        model.Initialize(new Rng(11));
        var rng = new Rng(12);
        int n = 50;
        var mu = new float[n * latent];
        rng.FillGaussian(mu);
        var labels = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        var images = new byte[5 * 784];
        var codes = new ExplorePage.Codes(mu, labels, images, 5, new double[latent], "KL");
        return (model, ExplorePage.Build(model, 28, codes, "test <page>"));
    }

    [TestCase(2, new[] { 400 }, Activation.Relu)]
    [TestCase(5, new[] { 64, 32 }, Activation.Tanh)]
    public void NodeRunningThePagesOwnDecoderGivesOurPixels(int latent, int[] hidden, Activation activation)
    {
        string? node = FindOnPath("node");
        if (node == null) Assert.Ignore("node is not installed; the page's decoder cannot be run here");
        var (model, html) = Page(latent, hidden, activation);
        using var dir = new Vae.Tests.Data.TempDir();
        string page = Path.Combine(dir.Path, "explore.html"), harness = Path.Combine(dir.Path, "run.js");
        File.WriteAllText(page, html);
        File.WriteAllText(harness, """
            const fs = require("fs"), vm = require("vm");
            const html = fs.readFileSync(process.argv[2], "utf8");
            const script = html.match(/<script id="vae-decoder">([\s\S]*?)<\/script>/)[1];
            const decode = vm.runInThisContext(script + "\n;vaeDecode");
            const zs = JSON.parse(process.argv[3]);
            console.log(JSON.stringify(zs.map(z => Array.from(decode(z)))));
            """);
        var rng = new Rng(5);
        var z = new Tensor(4, latent);
        rng.FillGaussian(z.Data);
        for (int j = 0; j < latent; j++) z.Data[j] = 0;             // z = 0
        for (int j = 0; j < latent; j++) z.Data[latent + j] *= 3;   // far from the prior's bulk
        var zs = Enumerable.Range(0, 4).Select(r => z.Data.Slice(r * latent, latent).ToArray()).ToArray();
        var expected = new float[4 * 784];
        model.DecodeImages(Tape.ForInference(1), z, expected);

        var psi = new ProcessStartInfo(node, [harness, page, JsonSerializer.Serialize(zs)])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = Process.Start(psi)!;
        string stdout = proc.StandardOutput.ReadToEnd(), stderr = proc.StandardError.ReadToEnd();
        proc.WaitForExit();
        Assert.That(proc.ExitCode, Is.Zero, stderr);
        var actual = JsonSerializer.Deserialize<double[][]>(stdout)!;
        Assert.That(actual, Has.Length.EqualTo(4));
        double worst = 0;
        for (int r = 0; r < 4; r++)
        {
            Assert.That(actual[r], Has.Length.EqualTo(784));
            for (int i = 0; i < 784; i++) worst = Math.Max(worst, Math.Abs(actual[r][i] - expected[r * 784 + i]));
        }
        Assert.That(worst, Is.LessThan(1e-5));
        Assert.That(expected.Max() - expected.Min(), Is.GreaterThan(0.05), "the decodes are not all alike");
    }

    [Test]
    public void PageHoldsNoExternalReference()
    {
        foreach (int latent in new[] { 2, 7 })
        {
            var (_, html) = Page(latent, [16], Activation.Relu);
            foreach (var pattern in new[] { @"\b(src|href|action)\s*=", @"https?:", @"url\(", @"@import", @"<link",
                         @"<iframe", @"\bfetch\(", "XMLHttpRequest", @"\bimport\b", "WebSocket" })
                Assert.That(Regex.IsMatch(html, pattern, RegexOptions.IgnoreCase), Is.False, pattern);
            Assert.That(html, Does.Contain("test &lt;page&gt;"));
            Assert.That(html.Contains("id=\"pad\""), Is.EqualTo(latent == 2), "the pad is for 2-D models only");
            Assert.That(Regex.Matches(html, "<script").Count, Is.EqualTo(2));
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
