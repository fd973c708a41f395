using Vae.Imaging;
using Vae.Lecture;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary><c>vae interpolate</c>: decodes the straight line between two test digits' μ (lecture, "Generating new examples").</summary>
public sealed class InterpolateCommand : ICommand
{
    public string Name => "interpolate";
    public string Summary => "generation: decode the straight line between two test digits' latent means";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Checkpoint()
            .Option("a", null, "index of the first test digit", "I")
            .Option("b", null, "index of the second test digit", "J")
            .Option("steps", "10", "decoded points on the line, both ends included", "N")
            .Option("scale", "2", "enlarge each digit this many times", "S")
            .Data()
            .Option("out", "interpolate.png", "output picture", "FILE");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var loaded = p.LoadCheckpoint();
        var model = loaded.Model;
        int steps = p.GetInt("steps", 2, 100);
        int scale = p.GetInt("scale", 1, 8);
        string outFile = p.GetRequiredString("out");
        p.EnsureOutputFile(outFile);
        var (_, test) = p.LoadData(loaded);
        int a = p.GetInt("a", 0, test.Count - 1), b = p.GetInt("b", 0, test.Count - 1);

        var picture = Interpolation.Picture(model, test, a, b, steps, scale);
        Png.Write(outFile, picture);
        Console.Out.WriteLine($"model {model.Config}; test digit {a} (a {test.Labels[a]}) to test digit {b} (a {test.Labels[b]})");
        Console.Out.WriteLine($"wrote {outFile}: row 1 decodes {steps} points on the line from μ({a}) to μ({b}), " +
            $"row 2 blends the pixels for contrast; the originals at both ends ({picture.Width}×{picture.Height} px)");
        return ExitCodes.Ok;
    }
}
