using System.Globalization;
using Vae.Engine;
using Vae.Lecture;

using Vae.Analysis;

namespace Vae.Cli.Commands;

/// <summary><c>vae gradcheck</c>: every op and the whole model loss against central differences; exit 1 on a mismatch.</summary>
public sealed class GradCheckCommand : ICommand
{
    public string Name => "gradcheck";
    public string Summary => "check the tape's gradients of every op and of the whole VAE loss against central differences";

    public int Run(IReadOnlyList<string> args)
    {
        var p = new ArgParser(Name, Summary + ".")
            .Option("seed", "1", "seed for shapes, values and the sampled weights", "S");
        if (!p.Parse(args)) { Console.Out.Write(p.Help()); return ExitCodes.Ok; }
        ulong seed = (ulong)p.GetInt("seed", 0);

        var results = GradCheck.CheckAllOps(seed).Concat(ModelGradCheck.Check(seed)).ToList();
        int width = Math.Max("check".Length, results.Max(r => r.Name.Length));
        Console.Out.WriteLine($"{"check".PadRight(width)}  {"checked",7}  {"max abs err",11}  {"max rel err",11}  pass");
        foreach (var r in results)
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Name.PadRight(width)}  {r.Checked,7}  {r.MaxAbsError,11:E2}  {r.MaxRelError,11:E2}  {(r.Passed ? "yes" : "NO")}"));
        int failed = results.Count(r => !r.Passed);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{results.Count - failed} of {results.Count} checks pass (element passes when |analytic − numeric| ≤ " +
            $"{GradCheck.AbsTolerance} + {GradCheck.RelTolerance}·|numeric|, central differences with h = {GradCheck.Step})"));
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
