using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vae.Tests.Robustness;

/// <summary>
/// Special files for the hostile-input tests, always made inside a test's own temporary folder: FIFOs, character
/// devices made with mknod (never the machine's own /dev nodes as outputs), symbolic links, and small tmpfs mounts to
/// fill. A test that needs a privilege the machine does not grant is ignored, saying which.
/// </summary>
internal static class Nodes
{
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    public static string Fifo(string path)
    {
        if (mkfifo(path, Convert.ToUInt32("644", 8)) != 0)
            Assert.Ignore($"mkfifo failed (errno {Marshal.GetLastPInvokeError()})");
        return path;
    }

    /// <summary>
    /// A character device with the numbers of /dev/null (1,3) or /dev/zero (1,5), made at <paramref name="path"/>.
    /// </summary>
    public static string CharDevice(string path, int minor = 3)
    {
        if (Run("mknod", path, "c", "1", minor.ToString()) != 0)
            Assert.Ignore("mknod is not permitted here (needs CAP_MKNOD)");
        return path;
    }

    public static string Link(string path, string target)
    {
        File.CreateSymbolicLink(path, target);
        return path;
    }

    /// <summary>
    /// Mounts a tmpfs of <paramref name="kilobytes"/> KiB at <paramref name="dir"/>; dispose unmounts it.
    /// </summary>
    public static IDisposable SmallDisk(string dir, int kilobytes)
    {
        Directory.CreateDirectory(dir);
        if (Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", dir) != 0)
            Assert.Ignore("mounting a tmpfs is not permitted here (needs CAP_SYS_ADMIN)");
        return new Unmount(dir);
    }

    private sealed class Unmount(string dir) : IDisposable
    {
        public void Dispose() => Run("umount", "-l", dir);
    }

    /// <summary>A PID that was just used by a process that has exited (for "left by a dead process" cases).</summary>
    public static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    private static int Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }
}
