namespace Vae.Cli;

/// <summary>One subcommand of the vae program. <see cref="Run"/> returns the process exit code.</summary>
public interface ICommand
{
    /// <summary>The word after <c>vae</c>, e.g. "train" or "bench matmul" (two words for grouped commands).</summary>
    string Name { get; }

    /// <summary>One line for <c>vae --help</c>.</summary>
    string Summary { get; }

    /// <summary>Runs the command with the arguments after its name. Throw <see cref="UsageException"/> for bad input.</summary>
    int Run(IReadOnlyList<string> args);
}
