using Vae.Imaging;
using Vae.Model;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary><c>vae sample</c>: decode z ~ N(0, I) into new digits (the lecture's "generating new examples").</summary>
public sealed class SampleCommand : ICommand
{
    public string Name => "sample";
    public string Summary => "generate new digits by decoding z ~ N(0, I)";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Checkpoint()
            .Option("n", "64", "how many digits", "N")
            .Option("seed", "1", "seed for z", "S")
            .Option("out", null, "PNG file to write", "F.png");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        int n = p.GetInt("n", 1, 10_000);
        ulong seed = (ulong)p.GetInt("seed", 0);
        string output = p.GetRequiredString("out");
        p.EnsureOutputFile(output);
        var loaded = p.LoadCheckpoint();
        Png.Write(output, Pictures.Samples(loaded.Model, n, seed));
        Console.Out.WriteLine($"wrote {n} samples of {loaded.Model.Config} to {output}");
        return ExitCodes.Ok;
    }
}
