using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Vae.Cli;
using Vae.Cli.Commands;
using Vae.Imaging;
using Vae.Reporting;
using Vae.Tests.Data;

namespace Vae.Tests.Lecture;

/// <summary>report.html: one self-contained, well-formed page with SVG charts and embedded PNG pictures.</summary>
public class ReportTests
{
    private TempDir _dir = null!;
    private string _html = null!;

    [OneTimeSetUp]
    public void TrainTwoEpochs()
    {
        _dir = new TempDir();
        int rc = new TrainCommand().Run(["--data", TestPaths.Slice, "--out", _dir.Path, "--epochs", "2", "--hidden", "16",
            "--latent", "3", "--batch-size", "50", "--threads", "1", "--beta", "2"]);
        Assert.That(rc, Is.EqualTo(ExitCodes.Ok));
        _html = File.ReadAllText(_dir.File("report.html"));
    }

    [OneTimeTearDown]
    public void Cleanup() => _dir.Dispose();

    private static XDocument Parse(string html) =>
        XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));

    private static IEnumerable<XElement> Named(XDocument doc, string name) => doc.Descendants().Where(e => e.Name.LocalName == name);

    [Test]
    public void ReportIsWellFormedAndSelfContained()
    {
        Assert.That(_html, Does.StartWith("<!DOCTYPE html>"));
        var doc = Parse(_html);                                   // throws if tags are not balanced
        Assert.That(doc.Root!.Name.LocalName, Is.EqualTo("html"));
        Assert.That(Regex.Matches(_html, "<svg[ >]").Count, Is.EqualTo(Regex.Matches(_html, "</svg>").Count));
        // Nothing fetched from elsewhere: no scripts, no links, no external sources.
        Assert.That(_html, Does.Not.Contain("<script").And.Not.Contain("<link").And.Not.Contain("http://www.w3.org/1999/xlink"));
        foreach (var src in Named(doc, "img").Select(i => (string)i.Attribute("src")!))
            Assert.That(src, Does.StartWith("data:image/png;base64,"));
        Assert.That(_html, Does.Not.Match("(src|href)=\"https?:"));
    }

    [Test]
    public void ReportHoldsLossCurvesAndKlBars()
    {
        var doc = Parse(_html);
        var svgs = Named(doc, "svg").ToList();
        Assert.That(svgs, Has.Count.EqualTo(4), "loss, reconstruction and KL curves, KL per dimension");
        var titles = svgs.Select(s => s.Elements().First(e => e.Name.LocalName == "title").Value).ToList();
        Assert.That(titles, Is.EqualTo(new[] { "loss (negative ELBO)", "reconstruction", "KL", "KL per dimension" }));
        foreach (var chart in svgs.Take(3))
        {
            Assert.That(chart.Descendants().Count(e => e.Name.LocalName == "polyline"), Is.EqualTo(2), "train and test lines");
            var texts = chart.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
            Assert.That(texts, Does.Contain("train").And.Contain("test").And.Contain("epoch").And.Contain("nats per image"));
        }
        Assert.That(svgs[3].Descendants().Count(e => e.Name.LocalName == "rect"), Is.EqualTo(3), "one bar per latent dimension");
        Assert.That(_html, Does.Contain("objective.beta").And.Contain("vae 784-16-3"));
    }

    [Test]
    public void EmbeddedPicturesAreTheEpochsPngs()
    {
        var doc = Parse(_html);
        var sources = Named(doc, "img").Select(i => (string)i.Attribute("src")!).ToList();
        Assert.That(sources, Has.Count.EqualTo(2));
        var pngs = sources.Select(s => Convert.FromBase64String(s["data:image/png;base64,".Length..])).ToList();
        foreach (var png in pngs) Assert.That(Png.Decode(png).Width, Is.GreaterThan(0));
        Assert.That(pngs[0], Is.EqualTo(File.ReadAllBytes(_dir.File("reconstruction_2.png"))));
        Assert.That(pngs[1], Is.EqualTo(File.ReadAllBytes(_dir.File("sample_2.png"))));
    }

    [Test]
    public void TextIsEscaped()
    {
        string html = ReportPage.Render(new ReportContent
        {
            Title = "<script>alert('x')</script>",
            Configuration = [("a&b", "\"<i>\"")],
            Epochs = [new ReportEpoch(1, 100, 90, 10, 101, 91, 10, 2)],
            KlPerDim = [1.5, 0],
        });
        Assert.That(html, Does.Not.Contain("<script>").And.Not.Contain("<i>"));
        Assert.That(html, Does.Contain("&lt;script&gt;").And.Contain("a&amp;b"));
        Assert.DoesNotThrow(() => Parse(html), "one epoch (a single point per line) still draws");
    }

    [TestCase(0, 97, false, 0, 100, 20)]
    [TestCase(1, 3, true, 1, 3, 1)]
    [TestCase(1, 1, true, 0, 2, 1)]
    [TestCase(96.2, 101.7, false, 96, 102, 2)]
    [TestCase(0.31, 0.44, false, 0.3, 0.45, 0.05)]
    public void AxesStepByOneTwoOrFive(double lo, double hi, bool integer, double first, double last, double step)
    {
        var (a, b, ticks) = SvgChart.Axis(lo, hi, integer);
        Assert.That((a, b), Is.EqualTo((first, last)));
        Assert.That(ticks[1] - ticks[0], Is.EqualTo(step).Within(1e-9));
        Assert.That(ticks[0], Is.EqualTo(first));
        Assert.That(ticks[^1], Is.EqualTo(last).Within(1e-9));
    }
}
