using Vae.Data;

namespace Vae.Cli;

/// <summary>
/// The one place that turns a failure into one line on stderr and an exit code. Anything it does not know is a bug
/// and keeps its stack trace.
/// </summary>
public static class ErrorReport
{
    /// <summary>The exit code and the line for <paramref name="e"/>, or null when it is a bug.</summary>
    public static (int Code, string Message)? Describe(Exception e, string command) => e switch
    {
        UsageException => (ExitCodes.BadInput, $"vae {command}: {e.Message} (see 'vae {command} --help')"),
        OutputFileException { Refused: true } => (ExitCodes.BadInput, $"vae {command}: {e.Message}"),
        OutputFileException => (ExitCodes.WriteFailed, $"vae {command}: {e.Message}"),
        _ when IsInputError(e) => (ExitCodes.BadInput, $"vae {command}: {e.Message}"),
        // Not the user's input but the network: exit 1, with the hint (how to place the files by hand) it carries.
        MnistFetchException or DatasetFetchException => (ExitCodes.Failed, $"vae {command}: {e.Message}"),
        // An I/O error outside the safe writer (a disk that fails while we read, say): still one line, not a trace.
        IOException => (ExitCodes.WriteFailed, $"vae {command}: I/O error: {e.Message}"),
        _ => null,
    };

    public static bool IsInputError(Exception e) =>
        e is Vae.InvalidInputFileException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException;
}
