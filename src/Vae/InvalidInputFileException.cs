namespace Vae;

/// <summary>
/// A data file or checkpoint that cannot be read as what it claims to be: the message names the file and what is
/// wrong with it. Every reader in Vae fails with this type (and only this type) on malformed input.
/// </summary>
public sealed class InvalidInputFileException : Exception
{
    public string Path { get; }

    public InvalidInputFileException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }
}
