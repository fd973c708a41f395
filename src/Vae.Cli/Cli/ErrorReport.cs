namespace Vae.Cli;

/// <summary>Decides which exceptions are the user's input being wrong (one line, exit 2) rather than a bug.</summary>
public static class ErrorReport
{
    public static bool IsInputError(Exception e) =>
        e is Vae.InvalidInputFileException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException;
}
