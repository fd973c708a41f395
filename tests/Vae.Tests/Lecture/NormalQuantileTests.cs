using Vae.Imaging;
using Vae.Lecture;

namespace Vae.Tests.Lecture;

public class NormalQuantileTests
{
    // Reference values of Φ⁻¹ from standard normal tables (e.g. R's qnorm).
    [TestCase(0.5, 0.0)]
    [TestCase(0.975, 1.959963985)]
    [TestCase(0.025, -1.959963985)]
    [TestCase(0.8413447461, 1.0)]
    [TestCase(0.95, 1.644853627)]
    [TestCase(0.001, -3.090232306)]
    [TestCase(0.999, 3.090232306)]
    [TestCase(0.02, -2.053748911)]   // either side of the switch (p = 0.02425) from the tail formula to the central one
    [TestCase(0.03, -1.880793608)]
    [TestCase(1e-10, -6.361340902)]
    public void MatchesKnownValues(double p, double z) =>
        Assert.That(NormalQuantile.Inverse(p), Is.EqualTo(z).Within(1e-6));

    [Test]
    public void IsOddAroundOneHalfAndIncreasing()
    {
        double previous = double.NegativeInfinity;
        for (int i = 1; i < 1000; i++)
        {
            double p = i / 1000.0, z = NormalQuantile.Inverse(p);
            Assert.That(z, Is.GreaterThan(previous));
            Assert.That(z, Is.EqualTo(-NormalQuantile.Inverse(1 - p)).Within(1e-8));
            previous = z;
        }
    }

    [Test]
    public void EdgesAndOutsideTheDomain()
    {
        Assert.That(NormalQuantile.Inverse(0), Is.EqualTo(double.NegativeInfinity));
        Assert.That(NormalQuantile.Inverse(1), Is.EqualTo(double.PositiveInfinity));
        Assert.That(double.IsNaN(NormalQuantile.Inverse(-0.1)) && double.IsNaN(NormalQuantile.Inverse(1.5)), Is.True);
    }

    [Test]
    public void PixelFontCoversTheLabelsAndMeasuresThem()
    {
        foreach (char c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .,:;-+=()[]/%_<>'!?#×·μσβε²−")
            Assert.That(PixelFont.HasGlyph(c), Is.True, $"'{c}'");
        Assert.That(PixelFont.Width("z3", 2), Is.EqualTo((2 * 6 - 1) * 2));
        var image = new GrayImage(20, 10, 255);
        PixelFont.Draw(image, "1", 0, 0, 0);
        Assert.That(image.Pixels.Count(b => b == 0), Is.EqualTo(10));   // the "1" glyph has 10 pixels of ink
        PixelFont.Draw(image, "8888", 15, 5, 0);                          // clipped, not thrown
    }
}
