namespace Vae.IO;

/// <summary>
/// Reads a whole input file for a parser, turning "this is a folder", "this is empty" and "this is too big to hold"
/// into <see cref="InvalidInputFileException"/>. A missing file stays a <see cref="FileNotFoundException"/>.
/// </summary>
internal static class InputFile
{
    /// <summary>Opens an input file for streaming, with the same checks and messages as <see cref="ReadAllBytes"/>.</summary>
    public static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path))
            throw new InvalidInputFileException(path, "is a folder, not a file");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidInputFileException(path, $"cannot be read: {e.Message}", e);
        }
    }

    public static byte[] ReadAllBytes(string path)
    {
        if (Directory.Exists(path))
            throw new InvalidInputFileException(path, "is a folder, not a file");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        try
        {
            long length = new FileInfo(path).Length;
            if (length == 0)
                throw new InvalidInputFileException(path, "the file is empty");
            if (length > Array.MaxLength)
                throw new InvalidInputFileException(path, $"the file is too large ({length} bytes) to be read");
            return File.ReadAllBytes(path);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidInputFileException(path, $"cannot be read: {e.Message}", e);
        }
    }
}
