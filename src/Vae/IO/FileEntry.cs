using System.Runtime.InteropServices;

namespace Vae.IO;

/// <summary>What sits at a path, as the file system says (POSIX file types).</summary>
public enum FileKind { Missing, Regular, Directory, SymbolicLink, CharacterDevice, BlockDevice, Fifo, Socket }

/// <summary>The type, size and identity (device, inode) of the entry at a path, links followed or not.</summary>
public readonly record struct FileEntry(FileKind Kind, long Size, ulong Device, ulong Inode)
{
    /// <summary>
    /// Looks at <paramref name="path"/> without opening it (opening a FIFO blocks; reading a device may never end).
    /// On Linux this is statx(2); elsewhere .NET's own view, which cannot tell devices and FIFOs from files.
    /// </summary>
    public static FileEntry Of(string path, bool followLinks)
    {
        if (OperatingSystem.IsLinux() && TryStatx(path, followLinks, out var entry)) return entry;
        return Managed(path, followLinks);
    }

    /// <summary>True when both entries exist and are the same file (same device and inode).</summary>
    public bool SameFileAs(FileEntry other) =>
        Kind != FileKind.Missing && other.Kind != FileKind.Missing && Inode != 0 && Device == other.Device
            && Inode == other.Inode;

    /// <summary>"a folder", "a FIFO (named pipe)", … for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        _ => "missing",
    };

    // ---- Linux: statx(2), whose struct layout is the same on every architecture ----

    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ENOENT = 2, ENOTDIR = 20, ENAMETOOLONG = 36, ELOOP = 40;
    private static bool _noStatx;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask,
        [Out] byte[] buffer);

    private static bool TryStatx(string path, bool followLinks, out FileEntry entry)
    {
        entry = default;
        if (_noStatx) return false;
        var buffer = new byte[256];
        int rc;
        try { rc = statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _noStatx = true;
            return false;
        }
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            // A path through a file or a link loop names nothing; anything else (ENOSYS, EPERM, …) falls back.
            if (errno is not (ENOENT or ENOTDIR or ENAMETOOLONG or ELOOP)) return false;
            entry = new FileEntry(FileKind.Missing, 0, 0, 0);
            return true;
        }
        // struct statx: stx_mode u16 at 28, stx_ino u64 at 32, stx_size u64 at 40, stx_dev_major/minor u32 at 136/140.
        int mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        var kind = mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            _ => FileKind.Socket,
        };
        ulong device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        entry = new FileEntry(kind, (long)BitConverter.ToUInt64(buffer, 40), device, BitConverter.ToUInt64(buffer, 32));
        return true;
    }

    private static FileEntry Managed(string path, bool followLinks)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget == null) return new FileEntry(FileKind.Missing, 0, 0, 0);
        if (info.LinkTarget != null)
        {
            if (!followLinks) return new FileEntry(FileKind.SymbolicLink, 0, 0, 0);
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target == null || !target.Exists) return new FileEntry(FileKind.Missing, 0, 0, 0);
            info = target;
        }
        return info is DirectoryInfo
            ? new FileEntry(FileKind.Directory, 0, 0, 0)
            : new FileEntry(FileKind.Regular, ((FileInfo)info).Length, 0, 0);
    }
}
