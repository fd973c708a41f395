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

    [Test]
    public void LongRunHasLogEpochChartsASecondHalfChartAndAThinnedTable()
    {
        // 3,280 epochs like the Burda schedule, the loss falling as 1/epoch towards 90.
        var epochs = Enumerable.Range(1, 3280)
            .Select(e => new ReportEpoch(e, 90 + 100.0 / e, 65 + 80.0 / e, 25 + 20.0 / e, 91 + 100.0 / e, 66, 25, 17)).ToList();
        string html = ReportPage.Render(new ReportContent { Title = "long", Epochs = epochs });
        var doc = Parse(html);
        var svgs = Named(doc, "svg").ToList();
        var titles = svgs.Select(s => s.Elements().First(e => e.Name.LocalName == "title").Value).ToList();
        Assert.That(titles, Is.EqualTo(new[] { "loss (negative ELBO)", "reconstruction", "KL", "loss (negative ELBO), epochs 1641–3280" }));
        var ticks = svgs[0].Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
        Assert.That(ticks, Does.Contain("1").And.Contain("10").And.Contain("100").And.Contain("1000").And.Contain("3000"));
        foreach (var chart in svgs)
        {
            Assert.That(chart.Descendants().Any(e => e.Name.LocalName == "circle"), Is.False, "no markers on 1,640+ points");
            foreach (var line in chart.Descendants().Where(e => e.Name.LocalName == "polyline"))
            {
                int vertices = ((string)line.Attribute("points")!).Split(' ').Length;
                Assert.That(vertices, Is.InRange(100, 2 * 350), "thinned to half-pixel steps, still a curve");
            }
        }
        // On the log axis the first ten epochs take a third of the plot's width, not 0.3% of it.
        var first = ((string)svgs[0].Descendants().First(e => e.Name.LocalName == "polyline").Attribute("points")!).Split(' ');
        double X(string p) => double.Parse(p.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That((X(first[9]) - X(first[0])) / (X(first[^1]) - X(first[0])), Is.InRange(0.25, 0.32));

        var rows = Named(doc, "tr").Skip(0).Where(r => r.Elements().First().Name.LocalName == "td")
            .Select(r => r.Elements().First().Value).ToList();
        Assert.That(rows, Has.Count.EqualTo(101));
        Assert.That(rows[0], Is.EqualTo("1"));
        Assert.That(rows[1], Is.EqualTo("34"));
        Assert.That(rows[^1], Is.EqualTo("3280"));
        Assert.That(html, Does.Contain("Every 33rd epoch and the newest; metrics.csv holds all 3,280."));
    }

    [Test]
    public void ShortRunKeepsEveryEpochAndItsMarkers()
    {
        var epochs = Enumerable.Range(1, 40).Select(e => new ReportEpoch(e, 100, 90, 10, 101, 91, 10, 2)).ToList();
        var doc = Parse(ReportPage.Render(new ReportContent { Title = "short", Epochs = epochs }));
        Assert.That(Named(doc, "svg").Count(), Is.EqualTo(3));
        Assert.That(Named(doc, "circle").Count(), Is.EqualTo(3 * 2 * 40));
        Assert.That(Named(doc, "tr").Count(), Is.EqualTo(1 + 40));
    }

    [TestCase(1, 3280, new[] { 1.0, 3, 10, 30, 100, 300, 1000, 3000 })]
    [TestCase(2, 90, new[] { 3.0, 10, 30 })]
    [TestCase(1, 1e6, new[] { 1.0, 10, 100, 1000, 1e4, 1e5, 1e6 })]
    public void LogAxisTicksAtOneAndThreeTimesPowersOfTen(double lo, double hi, double[] expected)
    {
        var (a, b, ticks) = SvgChart.LogAxis(lo, hi);
        Assert.That((a, b), Is.EqualTo((lo, hi)));
        Assert.That(ticks, Is.EqualTo(expected).Within(1e-9));
        Assert.Throws<ArgumentOutOfRangeException>(() => SvgChart.LogAxis(0, 10));
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
