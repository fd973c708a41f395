using Vae.Engine;
using Vae.Imaging;

namespace Vae.Data;

/// <summary>One generative factor of a synthetic set: its name and the value of each of its levels.</summary>
public sealed record Factor(string Name, double[] Values)
{
    public int Levels => Values.Length;
}

/// <summary>
/// A dSprites-style data set (Matthey et al. 2017) drawn by <see cref="ShapeRaster"/>: every combination of
/// shape (square, ellipse, heart) × scale × orientation × x × y, one white sprite on black. Nothing is downloaded;
/// the same options give the same bytes. The split is fixed: a permutation drawn from <see cref="ShapesOptions.Seed"/>
/// sends <see cref="ShapesOptions.TestFraction"/> of the combinations to the test set. Labels are the shape; each
/// image carries its factor values (shape index, radius, orientation, x, y) in <see cref="ImageSet.Factors"/>.
/// </summary>
public static class Shapes
{
    public const string ShapeFactor = "shape", ScaleFactor = "scale", OrientationFactor = "orientation",
        XFactor = "x", YFactor = "y";

    /// <summary>
    /// The factors of <paramref name="o"/>: shape 0..2; scale = sprite radius in pixels, evenly from MinRadius to
    /// MaxRadius; orientation in radians, evenly over [0, 2π); x and y = the centre in pixels, evenly over the range
    /// that keeps the largest sprite one pixel clear of every edge.
    /// </summary>
    public static IReadOnlyList<Factor> Factors(ShapesOptions o)
    {
        o.Validate();
        double lo = o.MaxRadius + 1, hi = o.Side - o.MaxRadius - 1;
        return
        [
            new Factor(ShapeFactor, [0, 1, 2]),
            new Factor(ScaleFactor, Even(o.MinRadius, o.MaxRadius, o.Scales)),
            new Factor(OrientationFactor,
                Enumerable.Range(0, o.Orientations).Select(i => 2 * Math.PI * i / o.Orientations).ToArray()),
            new Factor(XFactor, Even(lo, hi, o.Positions)),
            new Factor(YFactor, Even(lo, hi, o.Positions)),
        ];
    }

    private static double[] Even(double lo, double hi, int n) =>
        n == 1 ? [(lo + hi) / 2] : Enumerable.Range(0, n).Select(i => lo + (hi - lo) * i / (n - 1)).ToArray();

    /// <summary>Renders the image of one combination of levels (shape, scale, orientation, x, y) into dest.</summary>
    public static void Render(IReadOnlyList<Factor> f, ReadOnlySpan<int> levels, int side, Span<byte> dest)
    {
        dest.Clear();
        ShapeRaster.Draw(dest, side, side, (Sprite)levels[0], f[3].Values[levels[3]], f[4].Values[levels[4]],
            f[1].Values[levels[1]], f[2].Values[levels[2]]);
    }

    /// <summary>Every combination rendered, split into train and test (each in the order of the grid).</summary>
    public static (ImageSet Train, ImageSet Test) Generate(ShapesOptions? options = null)
    {
        var o = options ?? new ShapesOptions();
        var factors = Factors(o);
        int total = factors.Aggregate(1, (n, f) => checked(n * f.Levels));
        // The fixed split: a Fisher–Yates permutation of all combinations from the set's own seed.
        var order = Enumerable.Range(0, total).ToArray();
        var rng = new Rng(o.Seed);
        for (int i = total - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int testCount = (int)Math.Round(total * o.TestFraction);
        var test = order.AsSpan(0, testCount).ToArray();
        var train = order.AsSpan(testCount).ToArray();
        Array.Sort(test);
        Array.Sort(train);
        return (Render(factors, train, o.Side), Render(factors, test, o.Side));
    }

    /// <summary>The levels of combination <paramref name="index"/> (the last factor varies fastest).</summary>
    public static void LevelsOf(IReadOnlyList<Factor> factors, int index, Span<int> levels)
    {
        for (int j = factors.Count - 1; j >= 0; j--)
        {
            levels[j] = index % factors[j].Levels;
            index /= factors[j].Levels;
        }
    }

    private static ImageSet Render(IReadOnlyList<Factor> factors, int[] combinations, int side)
    {
        int k = factors.Count, pixels = side * side;
        var images = new byte[combinations.Length * pixels];
        var labels = new byte[combinations.Length];
        var values = new float[combinations.Length * k];
        Parallel.For(0, combinations.Length, () => new int[k], (i, _, levels) =>
        {
            LevelsOf(factors, combinations[i], levels);
            Render(factors, levels, side, images.AsSpan(i * pixels, pixels));
            labels[i] = (byte)levels[0];
            for (int j = 0; j < k; j++) values[i * k + j] = (float)factors[j].Values[levels[j]];
            return levels;
        }, _ => { });
        return new ImageSet(images, labels, side, side, 1, values, k);
    }
}

/// <summary>The grid of the shapes set. The defaults give 3 × 6 × 10 × 14 × 14 = 35,280 images of 28×28.</summary>
public sealed record ShapesOptions
{
    public int Side { get; init; } = 28;
    public int Scales { get; init; } = 6;
    public int Orientations { get; init; } = 10;
    public int Positions { get; init; } = 14;
    /// <summary>Sprite radius (centre to the farthest point of the unit-disc frame), in pixels.</summary>
    public double MinRadius { get; init; } = 3;
    public double MaxRadius { get; init; } = 6;
    public double TestFraction { get; init; } = 0.1;
    public ulong Seed { get; init; } = 2017;

    public void Validate()
    {
        if (Scales < 1 || Orientations < 1 || Positions < 1) throw new ArgumentException("every factor needs a level");
        if (MinRadius <= 0 || MaxRadius < MinRadius) throw new ArgumentException("need 0 < min radius <= max radius");
        if (Side < 2 * MaxRadius + 2)
            throw new ArgumentException($"a {Side}-pixel canvas cannot hold radius {MaxRadius}");
        if (TestFraction is < 0 or >= 1) throw new ArgumentException("test fraction must be in [0, 1)");
    }
}
