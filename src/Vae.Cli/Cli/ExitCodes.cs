namespace Vae.Cli;

/// <summary>The process exit codes, documented in README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A failed check (e.g. gradcheck found a mismatch), or MNIST could not be fetched.</summary>
    public const int Failed = 1;
    /// <summary>Bad command line, or a bad input file (data, checkpoint): one line on stderr says what.</summary>
    public const int BadInput = 2;
    /// <summary>Training produced a non-finite loss; the last good checkpoint is kept.</summary>
    public const int NonFinite = 3;
    /// <summary>Interrupted by Ctrl-C or SIGTERM after saving (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}
