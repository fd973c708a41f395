using System.Security.Cryptography;
using Vae.Data;
using Vae.Imaging;

namespace Vae.Tests.Data;

public class ShapesTests
{
    // A small grid keeps these tests fast; the rendering is the same as the full set's.
    private static readonly ShapesOptions Small = new() { Scales = 2, Orientations = 3, Positions = 3 };

    [Test]
    public void EachFactorAloneChangesThePixels()
    {
        var o = new ShapesOptions();
        var f = Shapes.Factors(o);
        int[] base_ = [0, 2, 1, 5, 6];
        var reference = Render(f, base_, o.Side);
        for (int k = 0; k < f.Count; k++)
        {
            var levels = (int[])base_.Clone();
            levels[k] = (levels[k] + 1) % f[k].Levels;
            var changed = Render(f, levels, o.Side);
            int differing = reference.Zip(changed).Count(p => p.First != p.Second);
            Assert.That(differing, Is.GreaterThan(0), $"changing factor '{f[k].Name}' alone left the image unchanged");
        }
    }

    [Test]
    public void OneStepOfXMovesTheSpriteByOneStepOfItsCentroid()
    {
        var o = new ShapesOptions();
        var f = Shapes.Factors(o);
        double Cx(int[] levels)
        {
            var img = Render(f, levels, o.Side);
            double s = 0, sx = 0;
            for (int i = 0; i < img.Length; i++) { s += img[i]; sx += img[i] * (i % o.Side + 0.5); }
            return sx / s;
        }
        double step = f[3].Values[1] - f[3].Values[0];
        double moved = Cx([1, 3, 0, 4, 6]) - Cx([1, 3, 0, 3, 6]);
        Assert.That(moved, Is.EqualTo(step).Within(0.02));
    }

    [Test]
    public void SameSeedGivesSameBytesAndAnotherSeedAnotherSplit()
    {
        var a = Shapes.Generate(Small);
        var b = Shapes.Generate(Small);
        var c = Shapes.Generate(Small with { Seed = 7 });
        Assert.That(Hash(a.Train.Images), Is.EqualTo(Hash(b.Train.Images)));
        Assert.That(Hash(a.Test.Images), Is.EqualTo(Hash(b.Test.Images)));
        Assert.That(a.Test.Factors, Is.EqualTo(b.Test.Factors));
        Assert.That(a.Test.Factors, Is.Not.EqualTo(c.Test.Factors));
    }

    [Test]
    public void SplitCoversEveryCombinationOnceWithItsFactors()
    {
        var (train, test) = Shapes.Generate(Small);
        var f = Shapes.Factors(Small);
        int total = 3 * 2 * 3 * 3 * 3;
        Assert.That(train.Count + test.Count, Is.EqualTo(total));
        Assert.That(test.Count, Is.EqualTo((int)Math.Round(total * 0.1)));
        var keys = new HashSet<string>();
        foreach (var set in new[] { train, test })
        {
            Assert.That(set.FactorCount, Is.EqualTo(5));
            for (int n = 0; n < set.Count; n++)
            {
                var values = set.FactorsOf(n).ToArray();
                var levels = new int[5];
                for (int k = 0; k < 5; k++)
                {
                    levels[k] = Array.FindIndex(f[k].Values, v => (float)v == values[k]);
                    Assert.That(levels[k], Is.GreaterThanOrEqualTo(0),
                        $"image {n}: {f[k].Name} {values[k]} is not a level");
                }
                Assert.That(keys.Add(string.Join(',', levels)), Is.True);
                Assert.That(set.Labels[n], Is.EqualTo(levels[0]));
                Assert.That(set.Image(n).ToArray(), Is.EqualTo(Render(f, levels, 28)));
            }
        }
    }

    [Test]
    public void DatasetIsRegisteredWithItsFactorNames()
    {
        var d = Datasets.Get("shapes");
        Assert.That(d.FactorNames, Is.EqualTo(new[] { "shape", "scale", "orientation", "x", "y" }));
        var (train, test) = d.Load("unused");
        Assert.That(train.Count, Is.EqualTo(31_752));
        Assert.That(test.Count, Is.EqualTo(3_528));
        Assert.That(test.Width * test.Height, Is.EqualTo(784));
    }

    [Test]
    public void EverySpriteStaysInsideTheCanvas()
    {
        var (train, test) = Shapes.Generate(new ShapesOptions { Orientations = 7, Positions = 2 });   // both ends
        foreach (var set in new[] { train, test })
            for (int n = 0; n < set.Count; n++)
            {
                var img = set.Image(n);
                for (int i = 0; i < 28; i++)
                {
                    Assert.That(img[i], Is.Zero, $"image {n} touches the top row");
                    Assert.That(img[27 * 28 + i], Is.Zero, $"image {n} touches the bottom row");
                    Assert.That(img[i * 28], Is.Zero, $"image {n} touches the left column");
                    Assert.That(img[i * 28 + 27], Is.Zero, $"image {n} touches the right column");
                }
                int lit = 0;
                foreach (byte p in img) if (p > 0) lit++;
                Assert.That(lit, Is.GreaterThan(10), $"image {n} is (nearly) empty");
            }
    }

    [Test]
    public void EveryUnitShapeLiesInTheUnitDiscAndFillsPartOfIt()
    {
        foreach (var sprite in Enum.GetValues<Sprite>())
        {
            int inside = 0;
            for (double u = -1.5; u <= 1.5; u += 0.01)
                for (double v = -1.5; v <= 1.5; v += 0.01)
                    if (ShapeRaster.Inside(sprite, u, v))
                    {
                        inside++;
                        Assert.That(u * u + v * v, Is.LessThanOrEqualTo(1.0), $"{sprite} reaches ({u:F2},{v:F2})");
                    }
            Assert.That(inside * 1e-4, Is.GreaterThan(0.9), $"{sprite} covers too little of the disc");
        }
    }

    [Test]
    public void EdgesAreAntiAliased()
    {
        var o = new ShapesOptions();
        var img = Render(Shapes.Factors(o), [1, 5, 1, 6, 6], o.Side);
        Assert.That(img.Count(p => p is > 0 and < 255), Is.GreaterThan(5));
        Assert.That(img.Count(p => p == 255), Is.GreaterThan(5));
    }

    private static byte[] Render(IReadOnlyList<Factor> f, int[] levels, int side)
    {
        var img = new byte[side * side];
        Shapes.Render(f, levels, side, img);
        return img;
    }

    private static string Hash(byte[] b) => Convert.ToHexString(SHA256.HashData(b));
}
