namespace Vae.Cli;

/// <summary>A mistake on the command line: printed as one line plus a hint to --help, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
