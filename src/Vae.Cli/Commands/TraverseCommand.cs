using Vae.Data;
using Vae.Imaging;
using Vae.Lecture;
using Vae.Analysis;
namespace Vae.Cli.Commands;

/// <summary><c>vae traverse</c>: latent perturbation, one latent dimension swept per row (lecture, "Latent perturbation").</summary>
public sealed class TraverseCommand : ICommand
{
    public string Name => "traverse";
    public string Summary => "latent perturbation: sweep one latent dimension per row, the others fixed; rows by average KL";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Checkpoint()
            .Option("dims", "all", "latent dimensions to sweep, e.g. 0,3 (rows are ordered by average KL anyway)", "LIST|all")
            .Option("range", "3", "sweep z_j over [-R, R]", "R")
            .Option("steps", "11", "values per sweep", "N")
            .Option("from-test-index", "0", "keep the other dimensions at μ of this test image", "I")
            .Flag("from-zero", "keep the other dimensions at 0, the prior's mean, instead of a test image's μ")
            .Option("scale", "2", "enlarge each digit this many times", "S")
            .Data()
            .Threads()
            .Option("out", "traverse.png", "output picture", "FILE");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var loaded = p.LoadCheckpoint();
        var model = loaded.Model;
        int latent = model.Latent;
        int[] dims = ParseDims(p, latent);
        float range = (float)p.GetDouble("range", 0, 1000, minExclusive: true);
        int steps = p.GetInt("steps", 2, 100);
        int scale = p.GetInt("scale", 1, 8);
        string outFile = p.GetRequiredString("out");
        p.EnsureOutputFile(outFile);
        var (_, test) = p.LoadData(loaded);
        var dataset = p.GetDataset(loaded.Metadata.GetValueOrDefault("data.name"));
        if (p.GetFlag("from-zero") && p.Has("from-test-index"))
            throw new UsageException("--from-zero and --from-test-index name two different starting points; give one");
        int? from = p.GetFlag("from-zero") ? null : p.GetInt("from-test-index", 0, test.Count - 1);

        var codes = LatentCodes.Encode(model, test, threads: p.GetThreads());
        var ordered = dims.OrderByDescending(d => codes.Score[d]).ThenBy(d => d).ToArray();
        var z0 = from is int i ? codes.MuOf(i).ToArray() : new float[latent];
        string fixedAt = from is int k
            ? $"others at μ of test image {k} ({LabelName(dataset, test.Labels[k])})" : "others at 0";
        string title = $"z_j swept over [-{Fmt(range)}, {Fmt(range)}], {fixedAt}";
        // With known factors (shapes), each row names the factor its dimension shares most information with.
        string[]? notes = null;
        var factorNames = dataset.FactorNames;
        if (test.Factors != null && factorNames.Count == test.FactorCount && latent >= 2)
        {
            var report = FactorReport.Measure(model, test, factorNames, threads: p.GetThreads());
            var mig = report.Mig;
            notes = ordered.Select(d =>
            {
                if (!report.FactorVae.Active[d]) return "inactive";   // variance of μ < 0.01
                int best = Enumerable.Range(0, factorNames.Count)
                    .MaxBy(f => mig.Mi[d, f] / Math.Max(mig.Entropy[f], 1e-12));
                return $"{factorNames[best]} {Fmt(Math.Round(mig.Mi[d, best] / mig.Entropy[best], 2))}";
            }).ToArray();
        }
        var picture = LatentTraversal.Picture(model, ordered, codes, z0, range, steps, title, scale, notes);
        Png.Write(outFile, picture);

        Console.Out.WriteLine(
            $"model {model.Config}; {codes.ScoreName} per dimension averaged over {codes.Count:N0} test images");
        for (int r = 0; r < ordered.Length; r++)
            Console.Out.WriteLine($"  z{ordered[r],-3} {codes.ScoreName} {codes.Score[ordered[r]],8:F3}" +
                (notes == null ? "" : notes[r] == "inactive" ? "  inactive (variance of μ < 0.01)"
                    : $"  carries most of: {notes[r]} (I(z;v)/H(v))"));
        Console.Out.WriteLine($"wrote {outFile}: {ordered.Length} rows × {steps} steps over [-{Fmt(range)}, {Fmt(range)}], {fixedAt} " +
            $"({picture.Width}×{picture.Height} px)");
        return ExitCodes.Ok;
    }

    private static string LabelName(IDataset d, byte label) =>
        label >= d.LabelNames.Count ? $"label {label}"
        : ("aeiou".Contains(d.LabelNames[label][0]) ? "an " : "a ") + d.LabelNames[label];

    private static string Fmt(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static int[] ParseDims(ArgParser p, int latent)
    {
        if (p.GetRequiredString("dims") == "all") return Enumerable.Range(0, latent).ToArray();
        var dims = p.GetIntList("dims", 0);
        foreach (int d in dims)
            if (d >= latent)
                throw new UsageException($"option '--dims': dimension {d} does not exist; the model has {latent} latent dimensions (0..{latent - 1})");
        if (dims.Distinct().Count() != dims.Length) throw new UsageException("option '--dims' names a dimension twice");
        return dims;
    }
}
