using Vae.Imaging;
using Vae.Lecture;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary><c>vae latent-map</c>: the test set's μ as a labelled scatter plot, and for 2-D models the decoded manifold.</summary>
public sealed class LatentMapCommand : ICommand
{
    public string Name => "latent-map";
    public string Summary => "latent maps: scatter of the test set's μ by digit, and the decoded manifold of a 2-D model";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Checkpoint()
            .Option("dims", null, "the two dimensions to plot (default: the two with the largest average KL)", "X,Y")
            .Option("grid", "20", "manifold and range grid of a 2-D model: N×N decodes", "N")
            .Option("range", null,
                "axes of the scatter and the range grid: [-R, R] both ways (default: the central 99% of μ)", "R")
            .Option("ellipses", "50", "VAE: draw the μ ± σ ellipse of every K-th test code (0 = none)", "K")
            .Data()
            .Threads()
            .Option("out", "latent-map", "output folder (latent_scatter.png, manifold.png)", "DIR");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var loaded = p.LoadCheckpoint();
        var model = loaded.Model;
        int latent = model.Latent;
        if (latent < 2) throw new UsageException($"the model has {latent} latent dimension; a map needs at least 2");
        int[]? dims = p.Has("dims") ? p.GetIntList("dims", 0) : null;
        if (dims != null && (dims.Length != 2 || dims[0] == dims[1] || dims.Any(d => d >= latent)))
            throw new UsageException($"option '--dims' needs two different dimensions in 0..{latent - 1}, got '{p.GetString("dims")}'");
        int grid = p.GetInt("grid", 2, 100);
        double? fixedRange = p.Has("range") ? p.GetDouble("range", 0, 1e6, minExclusive: true) : null;
        int ellipses = p.GetInt("ellipses", 0);
        string outDir = p.GetRequiredString("out");
        p.EnsureOutputFolder(outDir, "latent_scatter.png", "manifold.png");
        var (_, test) = p.LoadData(loaded);

        var codes = LatentCodes.Encode(model, test, threads: p.GetThreads());
        var (dx, dy) = dims != null ? (dims[0], dims[1]) : LatentMap.DefaultAxes(codes);
        string why = dims != null ? "chosen" : latent == 2 ? "the only two" : $"largest average {codes.ScoreName}";
        string title = $"μ of {codes.Count} test digits: z{dx} vs z{dy} ({why})";
        string scatter = Path.Combine(outDir, "latent_scatter.png");
        var range = fixedRange is double r ? (-r, r, -r, r) : LatentMap.Range(codes, dx, dy);
        Png.Write(scatter, LatentMap.Scatter(codes, dx, dy, title, ellipseEvery: ellipses, range: range));
        Console.Out.WriteLine($"model {model.Config}");
        Console.Out.WriteLine($"wrote {scatter}: μ of {codes.Count:N0} test digits coloured by label, z{dx} " +
            $"({codes.ScoreName} {codes.Score[dx]:F2}) across, z{dy} ({codes.ScoreName} {codes.Score[dy]:F2}) up; {why} of {latent} dimensions");
        if (latent == 2)
        {
            string manifold = Path.Combine(outDir, "manifold.png");
            var picture = LatentMap.Manifold(model, grid);
            Png.Write(manifold, picture);
            Console.Out.WriteLine($"wrote {manifold}: decoder over a {grid}×{grid} grid of z = Φ⁻¹(p), p = (i + 0.5)/{grid}, " +
                $"z0 across, z1 up ({picture.Width}×{picture.Height} px)");
            string rangeGrid = Path.Combine(outDir, "range_grid.png");
            Png.Write(rangeGrid, LatentMap.RangeGrid(model, range, grid));
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(inv,
                $"wrote {rangeGrid}: decoder over an even {grid}×{grid} grid spanning the scatter's axes, " +
                $"z0 {range.Item1:0.##}…{range.Item2:0.##} across, z1 {range.Item3:0.##}…{range.Item4:0.##} up"));
        }
        else Console.Out.WriteLine($"no manifold.png: it needs a 2-D model (train one with --latent 2)");
        return ExitCodes.Ok;
    }
}
