using Vae.Cli.Commands;

namespace Vae.Cli;

/// <summary>Every subcommand, in the order <c>vae --help</c> lists them. Add one line per new command.</summary>
public static class CommandTable
{
    public static readonly ICommand[] All =
    [
        new TrainCommand(),
        new EvalCommand(),
        new SampleCommand(),
        new ReconstructCommand(),
        new TraverseCommand(),
        new InterpolateCommand(),
        new LatentMapCommand(),
        new CompareLatentsCommand(),
        new DisentanglementCommand(),
        new ExploreCommand(),
        new DebiasCommand(),
        new DbVaeTrainCommand(),
        new DbVaeEvalCommand(),
        new DbVaeExperimentCommand(),
        new GradCheckCommand(),
        new GraphCommand(),
        new FetchCommand(),
        new FetchMnistCommand(),
        new BenchTrainCommand(),
        new BenchMatmulCommand(),
    ];
}
