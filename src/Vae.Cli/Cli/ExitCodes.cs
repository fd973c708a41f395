namespace Vae.Cli;

/// <summary>The process exit codes, documented in README (its table is checked against these by a test).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A failed check (e.g. gradcheck found a mismatch), or MNIST could not be fetched.</summary>
    public const int Failed = 1;
    /// <summary>
    /// Bad command line, a bad input file (data, checkpoint), or an output path Vae will not write (a folder, device,
    /// FIFO or link there; a run that is not ours to replace; a run another vae holds): one line on stderr says what.
    /// </summary>
    public const int BadInput = 2;
    /// <summary>Training produced a non-finite loss; the last good checkpoint is kept.</summary>
    public const int NonFinite = 3;
    /// <summary>An output file could not be written (disk full, quota, I/O error); the old file is unchanged.</summary>
    public const int WriteFailed = 4;
    /// <summary>Interrupted by Ctrl-C or SIGTERM (128 + SIGINT), on every command; train saves first.</summary>
    public const int Interrupted = 130;
}
