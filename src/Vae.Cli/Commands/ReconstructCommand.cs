using Vae.Imaging;
using Vae.Model;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary><c>vae reconstruct</c>: test digits over their reconstructions.</summary>
public sealed class ReconstructCommand : ICommand
{
    public string Name => "reconstruct";
    public string Summary => "test digits (top) over their reconstructions (bottom)";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ". The reconstruction decodes the posterior mean μ(x).")
            .Checkpoint()
            .Data()
            .Option("n", "8", "how many test digits", "N")
            .Option("first", "0", "index of the first test digit", "I")
            .Option("out", null, "PNG file to write", "F.png");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        int n = p.GetInt("n", 1, 1000);
        int first = p.GetInt("first", 0);
        string output = p.GetRequiredString("out");
        p.EnsureOutputFile(output);
        var loaded = p.LoadCheckpoint();
        var (_, test) = p.LoadData(loaded);
        if (first + n > test.Count)
            throw new UsageException($"--first {first} --n {n} goes past the {test.Count} test digits");
        var indices = Enumerable.Range(first, n).ToArray();
        Png.Write(output, Pictures.Reconstructions(loaded.Model, test, indices));
        Console.Out.WriteLine($"wrote test digits {first}..{first + n - 1} and their reconstructions to {output}");
        return ExitCodes.Ok;
    }
}
