using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Vae.IO;

/// <summary>
/// The one way Vae writes a file. The bytes go to a temporary file in the same folder, are flushed to disk, and only
/// then renamed over the target (a rename within one folder is atomic), so a crash leaves the old file or the new
/// one, never half of one. Only a regular file or a new path is ever replaced: a folder, device, FIFO, socket or
/// symbolic link at the target is refused before anything is written. A failed write (disk full, quota, I/O error)
/// removes the temporary file and throws <see cref="OutputFileException"/> naming the target and the cause.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>The longest file name, in UTF-8 bytes, that Linux, macOS and Windows file systems all accept.</summary>
    public const int NameMax = 255;

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    public static void Write(string path, Action<Stream> write)
    {
        string full = FullPath(path);
        bool existed = CheckTarget(path) == FileKind.Regular;
        string dir = Path.GetDirectoryName(full) ?? ".";
        CreateFolder(dir, path);
        string temp = Path.Combine(dir,
            TemporaryName(Path.GetFileName(full), Environment.ProcessId, Random.Shared.Next()));
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            CheckTarget(path);   // again: something may have been put there while we wrote
            File.Move(temp, full, overwrite: true);
        }
        catch (IOException e) when (e is not OutputFileException) { throw Failed(path, e, existed); }
        catch (UnauthorizedAccessException e)
        {
            throw new OutputFileException(path, "cannot be written: permission denied", refused: true, e);
        }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Appends <paramref name="text"/> (UTF-8) to a regular file or a new one and flushes it to disk. Should the write
    /// fail, the file is cut back to its old length, so it never ends in half a line.
    /// </summary>
    public static void Append(string path, string text)
    {
        FullPath(path);
        CheckTarget(path);
        try
        {
            // Unbuffered, so a failed write is not retried when the stream is closed.
            using var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1);
            long before = fs.Seek(0, SeekOrigin.End);
            try
            {
                fs.Write(Encoding.UTF8.GetBytes(text));
                fs.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                try { fs.SetLength(before); } catch (IOException) { }
                throw;
            }
        }
        catch (IOException e) when (e is not OutputFileException) { throw Failed(path, e, existed: true); }
        catch (UnauthorizedAccessException e)
        {
            throw new OutputFileException(path, "cannot be written: permission denied", refused: true, e);
        }
    }

    /// <summary>
    /// Refuses a target that is not Vae's to replace: only a missing path or a regular file passes (returned as
    /// <see cref="FileKind.Missing"/> or <see cref="FileKind.Regular"/>); anything else is an
    /// <see cref="OutputFileException"/> with <see cref="OutputFileException.Refused"/> set. Links are not followed:
    /// renaming over a link would replace the link, not write to where it points.
    /// </summary>
    public static FileKind CheckTarget(string path)
    {
        string name = Path.GetFileName(FullPath(path));
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > NameMax)
            throw new OutputFileException(path, $"the file name is {bytes} bytes long; file systems allow {NameMax}",
                refused: true);
        var entry = FileEntry.Of(path, followLinks: false);
        switch (entry.Kind)
        {
            case FileKind.Missing or FileKind.Regular:
                return entry.Kind;
            case FileKind.Directory:
                throw new OutputFileException(path, "is a folder; Vae writes only regular files (or new paths)",
                    refused: true);
            case FileKind.SymbolicLink:
                var target = FileEntry.Of(path, followLinks: true);
                throw new OutputFileException(path, InputFile.DescribeNonRegular(path, entry, target) +
                    "; Vae does not write through links (it would replace the link): remove it or write elsewhere",
                    refused: true);
            default:
                throw new OutputFileException(path,
                    $"is {FileEntry.Describe(entry.Kind)}; Vae writes only regular files " +
                    "and never replaces a device, FIFO or socket", refused: true);
        }
    }

    /// <summary>
    /// <c>.NAME.PID.RANDOM.tmp</c> in the target's folder, NAME shortened so the whole stays within
    /// <see cref="NameMax"/> bytes (a legal 250-byte name must not become an illegal temporary one). The PID lets
    /// <see cref="RemoveStale"/> tell a dead writer's leftovers from a live writer's file.
    /// </summary>
    internal static string TemporaryName(string fileName, int pid, int random)
    {
        string suffix = $".{pid}.{random:x8}.tmp";
        int budget = NameMax - 1 - suffix.Length;
        string prefix = fileName;
        while (Encoding.UTF8.GetByteCount(prefix) > budget)
            prefix = prefix[..(char.IsLowSurrogate(prefix[^1]) && prefix.Length > 1 ? ^2 : ^1)];
        return "." + prefix + suffix;
    }

    [GeneratedRegex(@"^\..*\.(\d{1,10})\.[0-9a-f]{8}\.tmp$")]
    private static partial Regex TemporaryPattern();

    /// <summary>
    /// Deletes the temporary files a killed Vae left in <paramref name="dir"/> (those whose writer's PID is no longer
    /// running); returns their names. Nothing else is touched: only regular files named like
    /// <see cref="TemporaryName"/>.
    /// </summary>
    public static IReadOnlyList<string> RemoveStale(string dir)
    {
        var removed = new List<string>();
        if (FileEntry.Of(dir, followLinks: true).Kind != FileKind.Directory) return removed;
        IEnumerable<string> files;
        try { files = Directory.EnumerateFiles(dir, ".*.tmp").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return removed; }
        foreach (string file in files)
        {
            var m = TemporaryPattern().Match(Path.GetFileName(file));
            if (!m.Success || !int.TryParse(m.Groups[1].Value, out int pid) || IsRunning(pid)) continue;
            if (FileEntry.Of(file, followLinks: false).Kind != FileKind.Regular) continue;
            try { File.Delete(file); removed.Add(Path.GetFileName(file)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>True when a process with this id exists (our own included).</summary>
    public static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }

    private static string FullPath(string path)
    {
        if (string.IsNullOrEmpty(path))
            throw new OutputFileException(path ?? "", "an empty path names no file", refused: true);
        return Path.GetFullPath(path);
    }

    private static void CreateFolder(string dir, string path)
    {
        var kind = FileEntry.Of(dir, followLinks: true).Kind;
        if (kind == FileKind.Directory) return;
        if (kind != FileKind.Missing)
            throw new OutputFileException(path, $"its folder {dir} is {FileEntry.Describe(kind)}", refused: true);
        try { Directory.CreateDirectory(dir); }
        catch (IOException e) when (e.HResult is 28 or 122 or 30 or 5) { throw Failed(path, e, existed: false); }
        catch (IOException e)
        {
            throw new OutputFileException(path, $"cannot create its folder {dir}: {StripPaths(e.Message)}",
                refused: true, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new OutputFileException(path, $"cannot create its folder {dir}: permission denied", refused: true, e);
        }
    }

    private static OutputFileException Failed(string path, IOException e, bool existed)
    {
        // .NET puts errno in HResult for the I/O errors it does not map to a more specific exception.
        string cause = e.HResult switch
        {
            28 => "no space left on device",
            122 => "disk quota exceeded",
            27 => "file too large for the file system",
            30 => "read-only file system",
            5 => "input/output error",
            _ => StripPaths(e.Message),
        };
        string after = existed ? $"; the previous {Path.GetFileName(path)} is unchanged" : "; nothing was written";
        return new OutputFileException(path, $"cannot be written: {cause}{after}", refused: false, e);
    }

    // .NET's messages end with " : 'path'" (often our temporary file's); the target is named already.
    private static string StripPaths(string message)
    {
        int at = message.IndexOf(" : '", StringComparison.Ordinal);
        return (at > 0 ? message[..at] : message).TrimEnd('.');
    }
}
