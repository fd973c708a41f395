namespace Vae.IO;

/// <summary>
/// The one way Vae opens an input file. Only regular files are read, after following links: a folder, a FIFO (which
/// would block for ever), a device such as /dev/zero (which never ends) or a dangling link is an
/// <see cref="InvalidInputFileException"/> saying which it is. The size is the link target's, and no more than that
/// size is ever read. A missing file stays a <see cref="FileNotFoundException"/>.
/// </summary>
public static class InputFile
{
    /// <summary>
    /// Checks that <paramref name="path"/> is a regular file (links followed) and returns its size in bytes.
    /// </summary>
    public static long Check(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new FileNotFoundException("an empty path names no file", path);
        var target = FileEntry.Of(path, followLinks: true);
        if (target.Kind == FileKind.Regular) return target.Size;
        var entry = FileEntry.Of(path, followLinks: false);
        if (entry.Kind == FileKind.Missing) throw new FileNotFoundException($"{path}: file not found", path);
        if (entry.Kind == FileKind.Directory) throw new InvalidInputFileException(path, "is a folder, not a file");
        throw new InvalidInputFileException(path,
            $"{DescribeNonRegular(path, entry, target)}; only regular files are read");
    }

    /// <summary>
    /// "is a FIFO (named pipe)", "is a symbolic link to '/dev/zero', a character device", … (no trailing period).
    /// </summary>
    public static string DescribeNonRegular(string path, FileEntry entry, FileEntry target)
    {
        if (entry.Kind != FileKind.SymbolicLink) return "is " + FileEntry.Describe(entry.Kind);
        string link = $"is a symbolic link to '{LinkText(path)}'";
        return target.Kind == FileKind.Missing ? link + ", which does not exist"
            : $"{link}, {FileEntry.Describe(target.Kind)}";
    }

    /// <summary>
    /// Where the link at <paramref name="path"/> points (its final target when the chain can be followed).
    /// </summary>
    internal static string LinkText(string path)
    {
        string full = Path.GetFullPath(path);
        string? first = new FileInfo(full).LinkTarget;
        if (first == null) return "?";
        try
        {
            // A chain of links: name the first hop as written and where the chain ends.
            string next = Path.GetFullPath(first, Path.GetDirectoryName(full)!);
            string? last = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName;
            if (last != null && last != next) return $"{first}' → '{last}";
        }
        catch (IOException) { }
        return first;
    }

    /// <summary>Opens an input file for streaming, with the same checks and messages as <see cref="ReadAllBytes"/>.</summary>
    public static FileStream OpenRead(string path)
    {
        Check(path);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidInputFileException(path, $"cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// The whole file; an empty file, or one too large for an array, is an InvalidInputFileException.
    /// </summary>
    public static byte[] ReadAllBytes(string path)
    {
        long length = Check(path);
        if (length == 0)
            throw new InvalidInputFileException(path, "the file is empty");
        if (length > Array.MaxLength)
            throw new InvalidInputFileException(path, $"the file is too large ({length} bytes) to be read");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var bytes = new byte[length];
            int got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (got < bytes.Length)
                throw new InvalidInputFileException(path, $"shrank from {length} to {got} bytes while being read");
            return bytes;
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidInputFileException(path, $"cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// The file's lines (UTF-8), with the checks of <see cref="ReadAllBytes"/>; an empty file has none.
    /// </summary>
    public static string[] ReadAllLines(string path)
    {
        if (Check(path) == 0) return [];
        var lines = System.Text.Encoding.UTF8.GetString(ReadAllBytes(path)).Split('\n');
        int count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;   // a final newline ends the last line
        return lines.Take(count).Select(l => l.TrimEnd('\r')).ToArray();
    }
}
