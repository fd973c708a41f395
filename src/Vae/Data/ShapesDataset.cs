namespace Vae.Data;

/// <summary>
/// The shapes set (<see cref="Shapes"/>): 35,280 28×28 sprites with known factors, rendered in memory on load
/// (about a second; nothing is downloaded or written), the same bytes every time.
/// </summary>
public sealed class ShapesDataset : IDataset
{
    private static readonly ShapesOptions Options = new();

    public string Name => "shapes";
    public string Description =>
        "dSprites-style shapes (square, ellipse, heart) × 6 scales × 10 orientations × 14 × 14 " +
        "positions, 28×28, rendered here; 31,752 training and 3,528 test images";
    public int Width => Options.Side;
    public int Height => Options.Side;
    public int Channels => 1;
    public IReadOnlyList<string> LabelNames => ["square", "ellipse", "heart"];
    public IReadOnlyList<string> FactorNames => Shapes.Factors(Options).Select(f => f.Name).ToArray();
    public string DefaultDir => Datasets.DefaultDir(Name);

    /// <summary>Always: the set needs no files.</summary>
    public bool IsPresent(string dir) => true;

    public void Fetch(string dir, Action<string>? log) { }

    /// <summary>Renders both splits; <paramref name="dir"/> is not used.</summary>
    public (ImageSet Train, ImageSet Test) Load(string dir) => Shapes.Generate(Options);
}
