using System.Runtime.InteropServices;

namespace StackDepot.Cli.Output;

/// <summary>File types on Linux, which .NET does not expose (<c>statx</c>).</summary>
internal static class UnixFiles
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: stx_mask, stx_blksize, stx_attributes, stx_nlink, stx_uid, stx_gid, then stx_mode
    private const int ErrnoNoEntry = 2;
    private const int ErrnoNotDirectory = 20;
    private const int ErrnoLoop = 40;

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

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
