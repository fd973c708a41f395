namespace Vae;

/// <summary>
/// An output file Vae will not or could not write. <see cref="Refused"/>: what sits at the path is not Vae's to
/// replace (a folder, device, FIFO, link) — nothing was written. Otherwise the write failed (disk full, I/O error):
/// the temporary file is removed and the previous file, if any, is unchanged.
/// </summary>
public sealed class OutputFileException : IOException
{
    public string Path { get; }
    public bool Refused { get; }

    public OutputFileException(string path, string problem, bool refused, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Refused = refused;
    }
}
