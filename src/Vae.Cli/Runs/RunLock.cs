using System.Runtime.InteropServices;
using System.Text;
using Vae.IO;

namespace Vae.Cli.Runs;

/// <summary>
/// The lock a training run holds on its folder: <c>run.lock</c>, opened exclusively, which on Unix .NET backs with
/// flock(2). The kernel releases it when the process ends in any way (exit, crash, SIGKILL), so a stale lock file
/// never blocks a later run. The file holds the holder's PID, so a second run can say who has the folder.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock or throws a <see cref="UsageException"/> naming the PID that holds it.</summary>
    public static RunLock Acquire(string path, string runFolder)
    {
        AtomicFile.CheckTarget(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            string holder = ReadHolder(path) is int pid ? $"PID {pid}" : "another process";
            throw new UsageException($"{runFolder} is in use by another 'vae train' ({holder}, holding {path}); " +
                "wait for it to finish, stop it, or choose another --out");
        }
        try
        {
            stream.SetLength(0);
            stream.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            stream.Dispose();
            throw new OutputFileException(path, $"cannot be written: {e.Message}", refused: false, e);
        }
        return new RunLock(stream);
    }

    public void Dispose() => _stream.Dispose();

    // .NET's own reads ask for a shared flock, which the holder's exclusive one refuses; read(2) does not ask.
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buffer, nint count);

    [DllImport("libc")]
    private static extern int close(int fd);

    /// <summary>The PID written in the lock file, or null when it cannot be read.</summary>
    internal static int? ReadHolder(string path)
    {
        if (OperatingSystem.IsWindows() || FileEntry.Of(path, followLinks: false).Kind != FileKind.Regular) return null;
        try
        {
            int fd = open(path, 0);   // O_RDONLY
            if (fd < 0) return null;
            var buffer = new byte[32];
            long n;
            try { n = read(fd, buffer, buffer.Length); }
            finally { close(fd); }
            return n > 0 && int.TryParse(Encoding.ASCII.GetString(buffer, 0, (int)n).Trim(), out int pid) ? pid : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }
}
