using System.Runtime.InteropServices;
using System.Text;

namespace StackDepot.Cli.Output;

/// <summary>File types and file systems on Linux, which .NET does not expose: <c>statx</c> and
/// <c>/proc/self/mountinfo</c>.</summary>
internal static class UnixFiles
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: stx_mask, stx_blksize, stx_attributes, stx_nlink, stx_uid, stx_gid, then stx_mode
    private const int ErrnoNoEntry = 2;
    private const int ErrnoNotDirectory = 20;
    private const int ErrnoLoop = 40;

    /// <summary>File systems that hold kernel state rather than files, where no report belongs.</summary>
    private static readonly HashSet<string> s_kernelFileSystems = new(StringComparer.Ordinal)
    {
        "proc", "sysfs", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs", "configfs", "pstore", "bpf",
        "efivarfs", "binfmt_misc", "nsfs", "fusectl", "selinuxfs", "devpts", "mqueue",
    };

    /// <summary>What <paramref name="path"/> names, following symbolic links.</summary>
    /// <exception cref="IOException">The links form a loop (or a chain too long to follow).</exception>
    public static FileKind KindOf(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.Exists(path) ? FileKind.Unknown : Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
        }

        var buffer = new byte[256];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxType, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            return File.Exists(path) ? FileKind.Unknown : Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
        }

        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                ErrnoNoEntry or ErrnoNotDirectory => FileKind.Missing,
                ErrnoLoop => throw new IOException("too many levels of symbolic links (a loop?)"),
                _ => FileKind.Unknown, // for example no permission to look: let the open say what is wrong
            };
        }

        int mode = BitConverter.ToUInt16(buffer, StatxModeOffset) & 0xF000;
        return mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        };
    }

    /// <summary>
    /// When <paramref name="directory"/> lies on a kernel file system (proc, sysfs, cgroup...), its mount point and
    /// type; null otherwise (or when the mounts cannot be read).
    /// </summary>
    public static (string MountPoint, string Type)? KernelFileSystemOf(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/mountinfo");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The mount that holds the directory is the one with the longest mount point above it.
        string best = string.Empty;
        string type = string.Empty;
        foreach (string line in lines)
        {
            // "36 35 98:0 /root /mnt/point rw,noatime shared:1 - ext4 /dev/sda1 rw": the mount point is field 5,
            // the type is the first field after " - ".
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length)
            {
                continue;
            }

            string mountPoint = Unescape(fields[4]);
            bool above = directory == mountPoint || mountPoint == "/" ||
                         directory.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            if (above && mountPoint.Length >= best.Length)
            {
                best = mountPoint;
                type = fields[separator + 1];
            }
        }

        return s_kernelFileSystems.Contains(type) ? (best, type) : null;
    }

    /// <summary>Undoes mountinfo's octal escapes (<c>\040</c> for a space, <c>\134</c> for a backslash...).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.AsSpan(i + 1, 3).ToString() is var octal && octal.All(c => c is >= '0' and <= '7'))
            {
                bytes.Add(Convert.ToByte(octal, 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
