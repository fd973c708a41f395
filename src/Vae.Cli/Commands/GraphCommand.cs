using Vae.Engine;
using Vae.IO;
using Vae.Lecture;
using Vae.Model;

using Vae.Analysis;

using Vae.Objectives;

namespace Vae.Cli.Commands;

/// <summary><c>vae graph</c>: the computation graph of one training step, as Graphviz DOT.</summary>
public sealed class GraphCommand : ICommand
{
    public string Name => "graph";
    public string Summary => "write the computation graph of one training step (forward and loss) as Graphviz DOT";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .ModelOptions()
            .Option("batch-size", "128", "rows of x in the shapes shown", "B")
            .Option("out", "step.dot", "output DOT file", "FILE");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }

        var config = p.GetModelConfig();
        int batch = p.GetInt("batch-size", 1, 1_000_000);
        string outFile = p.GetRequiredString("out");
        p.EnsureOutputFile(outFile);
        CommonOptions.EnsureModelFits(config, batch);

        var model = new VaeModel(config);
        var x = new Tensor(batch, config.Input, name: "x");
        var eps = new Tensor(batch, config.Latent, name: "eps ~ N(0,I)");
        var tape = new Tape();
        var loss = ElboObjective.Standard.Loss(tape, model, x, eps).Loss;
        int leaves = tape.Nodes.SelectMany(n => n.Inputs).Distinct(ReferenceEqualityComparer.Instance)
            .Count(t => !tape.Nodes.Any(n => ReferenceEquals(n.Out, t)));
        AtomicFile.WriteAllBytes(outFile, System.Text.Encoding.UTF8.GetBytes(
            ComputationGraph.ToDot(tape, $"one training step of {config}, batch {batch}", loss)));

        Console.Out.WriteLine($"wrote {outFile}: {tape.Count} ops and {leaves} leaves (parameters and inputs) of one training " +
            $"step of {config}; backward visits the {tape.Count} ops in reverse");
        Console.Out.WriteLine($"render it with: dot -Tsvg {outFile} -o {Path.ChangeExtension(outFile, ".svg")}");
        return ExitCodes.Ok;
    }
}
